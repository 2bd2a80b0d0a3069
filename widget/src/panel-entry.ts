/**
 * `chat-panel.umd.js`: the customer panel's conversation view, loaded by the customer bundle the
 * first time the panel opens. It shares the customer bundle's Preact, store and context (they are
 * externals mapped to `ServiHubChat.__m`), so nothing is loaded twice.
 */
import { panel } from './ui/panel';
import { CustomerThread } from './ui/CustomerThread';

panel.Thread = CustomerThread;
