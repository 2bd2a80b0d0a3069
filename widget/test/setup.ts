import '@testing-library/jest-dom/vitest';
import { beforeEach } from 'vitest';

// The outbox persists unsent messages per user in sessionStorage; each test starts empty.
beforeEach(() => sessionStorage.clear());
