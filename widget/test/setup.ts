import '@testing-library/jest-dom/vitest';
import { afterAll, beforeEach } from 'vitest';

// The outbox persists unsent messages per user in sessionStorage; each test starts empty.
beforeEach(() => sessionStorage.clear());

// Preact's hooks finish effects after the next frame, or after 100 ms at the latest: let those
// timers run before the environment (and its requestAnimationFrame) is torn down, so a test file
// that ends right after a render cannot fail on a callback that outlives it.
afterAll(() => new Promise<void>((done) => setTimeout(done, 150)));
