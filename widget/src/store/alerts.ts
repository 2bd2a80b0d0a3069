import type { ChatStore } from './state';
import { fill, type Strings } from '../ui/strings';

const ALERTS_KEY = 'servihub-chat:alerts';

/**
 * The visitor's opt-in alerts for messages that arrive while the page is in the background: a
 * short tone and a count in the tab title, cleared when the page is seen again.
 */
export class Alerts {
  private audio?: AudioContext;
  private hiddenCount = 0;
  private title = '';

  constructor(
    private readonly store: ChatStore,
    private readonly t: Strings,
  ) {}

  /** The stored choice, else the mount option. */
  start(notify: boolean): void {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(ALERTS_KEY);
    } catch {
      // storage disabled: the mount option decides
    }
    this.store.setState({ alerts: stored ? stored === '1' : notify });
    document.addEventListener('visibilitychange', this.onVisible);
  }

  stop(): void {
    document.removeEventListener('visibilitychange', this.onVisible);
    this.onVisible();
  }

  set(on: boolean): void {
    this.store.setState({ alerts: on });
    try {
      localStorage.setItem(ALERTS_KEY, on ? '1' : '0');
    } catch {
      // the choice lasts for this page only
    }
    // Created on the visitor's click, so the browser lets it play later.
    if (on && !this.audio && typeof AudioContext !== 'undefined') this.audio = new AudioContext();
  }

  private readonly onVisible = () => {
    if (document.visibilityState === 'hidden' || !this.hiddenCount) return;
    this.hiddenCount = 0;
    document.title = this.title;
  };

  /** One more message while the page is hidden (nothing when alerts are off or it is seen). */
  notice(): void {
    if (!this.store.getState().alerts || document.visibilityState !== 'hidden') return;
    if (!this.hiddenCount++) this.title = document.title;
    document.title = fill(this.t.titleNotice, { n: this.hiddenCount }) + ' · ' + this.title;
    const a = this.audio;
    if (a) {
      const o = a.createOscillator();
      const g = a.createGain();
      g.gain.value = 0.08;
      o.frequency.value = 880;
      o.connect(g).connect(a.destination);
      o.start();
      o.stop(a.currentTime + 0.18);
    }
  }
}
