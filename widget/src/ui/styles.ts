/**
 * Widget styles, injected into its shadow root so host CSS cannot reach in and these rules cannot
 * leak out. Only the documented `--shc-*` custom properties cross the boundary (custom
 * properties inherit through shadow DOM), which is what makes the widget themeable.
 * Page rules can still style the host element, and inherited properties (colour, font,
 * letter-spacing…) would flow from it; `.shc-root` resets them all, and no page rule can reach it.
 * Its `dir` attribute sets the direction, which `all` does not reset.
 * The defaults meet WCAG 2.1 AA contrast (4.5:1 or better for all text); text on the brand
 * colour is chosen by contrast at mount, and the focus ring on it uses that same colour.
 */
export const CSS = `
:host{all:initial;display:block;
--p:var(--shc-color-primary,#1d4ed8);--op:var(--shc-color-on-primary,#fff);
--bg:var(--shc-color-background,#fff);--sf:var(--shc-color-surface,#f1f3f6);
--tx:var(--shc-color-text,#111827);--mu:var(--shc-color-muted,#4b5563);
--bd:var(--shc-color-border,#8a94a3);--dg:var(--shc-color-danger,#b91c1c);
--ok:var(--shc-color-online,#047857);--fc:var(--shc-color-focus,#c2410c);
--r:var(--shc-radius,12px);--s:var(--shc-spacing,8px);
}
.shc-root{all:initial;display:block;text-align:start;font:var(--shc-font-size,15px)/1.4 var(--shc-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--tx)}
.shc-top{position:fixed;inset:auto;width:0;height:0;margin:0;padding:0;border:0;background:none;overflow:visible}
*{box-sizing:border-box}
[hidden]{display:none!important}
h2{font-size:1.05em;margin:0}
h3{font-size:.8em;margin:0}
p{margin:var(--s)}
ul,ol{list-style:none;margin:0;padding:0}
a{color:inherit}
button,textarea,input{font:inherit;color:inherit}
button{cursor:pointer;background:var(--bg);border:1px solid var(--bd);border-radius:calc(var(--r)/2);padding:calc(var(--s)/2) var(--s);min-height:32px}
button:disabled{cursor:default;opacity:.7}
:focus-visible,.shc-sr:focus-visible+.shc-attach{outline:3px solid var(--fc);outline-offset:2px}
.shc-header :focus-visible{outline-color:var(--op)}
.shc-panel:focus{outline:0}
.shc-sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.shc-btn{display:inline-flex;align-items:center;justify-content:center}
.shc-launcher{position:fixed;right:calc(var(--s)*2);bottom:calc(var(--s)*2);z-index:var(--shc-z-index,2147483000);width:56px;height:56px;border-radius:50%;border:0;background:var(--p);color:var(--op);box-shadow:0 4px 14px rgba(0,0,0,.25)}
.shc-badge{display:inline-block;min-width:20px;padding:0 6px;border-radius:10px;background:var(--dg);color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}
.shc-launcher .shc-badge{position:absolute;top:-4px;right:-4px}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
`;

/**
 * The panel's styles. The customer bundle links them (`chat-panel.css`, beside it) the first
 * time the panel opens, so the many visitors who never open the chat never download them; the
 * full builds (console, ES module) inline them.
 */
export const PANEL_CSS = `
.shc-panel{position:fixed;right:calc(var(--s)*2);bottom:calc(var(--s)*2 + 64px);z-index:var(--shc-z-index,2147483000);width:var(--shc-panel-width,380px);height:var(--shc-panel-height,560px);max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:var(--bg);border:1px solid var(--bd);border-radius:var(--r);box-shadow:0 8px 30px rgba(0,0,0,.2);overflow:hidden;animation:shc-in .18s ease-out}
@keyframes shc-in{from{opacity:0;transform:translateY(8px)}}
.shc-header{display:flex;align-items:center;gap:var(--s);padding:var(--s) calc(var(--s)*1.5);background:var(--p);color:var(--op)}
.shc-head{flex:1;min-width:0;display:flex;flex-direction:column}
.shc-head h2{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.shc-sub{font-size:.85em}
.shc-warn{font-weight:700}
.shc-header button{background:transparent;color:inherit;border-color:currentColor}
.shc-header .shc-icon{width:36px;height:36px;padding:0;border-color:transparent}
.shc-header .shc-icon[aria-pressed=true]{background:var(--op);color:var(--p)}
.shc-avatar{flex:none;display:inline-flex;align-items:center;justify-content:center;width:26px;height:26px;border-radius:50%;color:#fff;font-size:11px;font-weight:700}
.shc-header .shc-avatar{width:36px;height:36px;font-size:14px;box-shadow:0 0 0 2px var(--op)}
.shc-presence{display:inline-flex;align-items:center;gap:6px}
.shc-dot{width:9px;height:9px;border-radius:50%;border:1px solid currentColor}
.shc-online .shc-dot{background:var(--ok)}
.shc-header .shc-online .shc-dot{background:#86efac}
.shc-thread,.shc-history{flex:1;display:flex;flex-direction:column;min-height:0}
.shc-older{margin:var(--s) auto 0}
.shc-log{flex:1;overflow-y:auto;padding:var(--s) calc(var(--s)*1.5)}
.shc-list{display:flex;flex-direction:column;gap:3px}
.shc-day{align-self:center;margin:var(--s) 0 2px}
.shc-day h3{padding:2px 10px;border-radius:10px;background:var(--sf);color:var(--mu)}
.shc-msg{position:relative;display:flex;flex-direction:column;align-items:flex-start;max-width:85%}
.shc-first{margin-top:6px}
.shc-own{align-self:flex-end;align-items:flex-end}
.shc-editing{align-self:stretch;max-width:100%}
.shc-meta{display:flex;align-items:center;gap:6px;margin-bottom:2px}
.shc-meta,.shc-state,.shc-note,.shc-fmeta{font-size:.8em;color:var(--mu)}
.shc-own .shc-bubble *{color:inherit}
.shc-line{position:relative;display:flex;align-items:center;gap:4px;max-width:100%}
.shc-own .shc-line{flex-direction:row-reverse}
.shc-editing .shc-line{width:100%}
.shc-bubble{min-width:0;padding:calc(var(--s)*.75) calc(var(--s)*1.5);border-radius:var(--r);background:var(--sf);white-space:pre-wrap;overflow-wrap:anywhere}
.shc-own .shc-bubble{background:var(--p);color:var(--op)}
.shc-own .shc-bubble :focus-visible{outline-color:var(--op)}
.shc-deleted .shc-bubble,.shc-own .shc-bad{background:none;color:var(--mu);border:1px dashed var(--bd)}
.shc-own .shc-bad{color:var(--tx);border:2px solid var(--dg)}
.shc-image,.shc-file{display:block;margin-top:4px;text-decoration:none}
.shc-img{display:block;max-width:100%;height:auto;max-height:240px;border-radius:calc(var(--r)/2)}
.shc-file{display:flex;align-items:center;gap:var(--s);padding:6px var(--s);border:1px solid currentColor;border-radius:calc(var(--r)/2)}
.shc-fname{display:block;font-weight:600}
.shc-more{flex:none;min-height:28px;width:28px;padding:0;border-color:transparent;color:var(--mu);background:transparent;opacity:0}
.shc-msg:hover .shc-more,.shc-more:focus,.shc-more[aria-expanded=true]{opacity:1}
@media (hover:none){.shc-more{opacity:1}}
.shc-menu{position:absolute;top:100%;inset-inline-start:0;z-index:2;display:flex;flex-wrap:wrap;align-items:center;gap:4px;width:max-content;max-width:260px;margin-top:4px;padding:4px;background:var(--bg);border:1px solid var(--bd);border-radius:calc(var(--r)/2);box-shadow:0 4px 14px rgba(0,0,0,.18)}
.shc-own .shc-menu{inset-inline:auto 0}
.shc-ask{padding:0 4px;font-size:.9em}
.shc-danger{background:var(--dg);color:#fff;border-color:var(--dg)}
.shc-primary,.shc-send{background:var(--p);color:var(--op);border-color:var(--p)}
.shc-reactions{display:flex;flex-wrap:wrap;gap:4px;margin-top:2px}
.shc-reactions button{min-height:28px;padding:0 8px;border-radius:14px}
.shc-reactions button[aria-pressed=true]{border:2px solid var(--tx);background:var(--sf)}
.shc-edit{display:flex;flex-direction:column;gap:6px;width:100%}
.shc-edit-actions{display:flex;justify-content:flex-end;gap:6px}
.shc-state{margin-top:2px}
.shc-failed{color:var(--dg);font-weight:600}
.shc-status{padding:0 var(--s);font-size:.85em;color:var(--mu);display:flex;flex-wrap:wrap;gap:var(--s)}
.shc-typing{padding:2px 0}
.shc-conn{flex:1;margin:4px 0;padding:6px var(--s);border-radius:calc(var(--r)/2);background:#fef3c7;color:#78350f;font-weight:600}
.shc-composer{border-top:1px solid var(--bd);padding:var(--s)}
.shc-row{display:flex;gap:var(--s);align-items:flex-end}
.shc-row textarea,.shc-edit textarea{flex:1;min-width:0;width:100%;resize:none;min-height:40px;max-height:120px;padding:var(--s);border:1px solid var(--bd);border-radius:calc(var(--r)/2);background:var(--bg)}
.shc-edit textarea{min-height:72px}
.shc-attach{flex:none;min-width:40px;min-height:40px;border:1px solid var(--bd);border-radius:calc(var(--r)/2);cursor:pointer}
.shc-send{flex:none;min-height:40px}
.shc-preview{display:flex;align-items:center;gap:var(--s);margin-bottom:var(--s)}
.shc-preview img{max-width:96px;max-height:96px;border-radius:calc(var(--r)/2)}
.shc-error{color:var(--dg)}
.shc-empty,.shc-placeholder{display:flex;flex-direction:column;gap:4px;color:var(--mu);text-align:center;margin:auto;padding:calc(var(--s)*3) var(--s)}
.shc-empty strong{color:var(--tx);font-size:1.2em}
.shc-private .shc-bubble{background:var(--shc-color-note,#fef9c3);color:var(--tx);border:2px dashed var(--shc-color-note-border,#854d0e)}
.shc-private .shc-bubble :focus-visible{outline-color:var(--fc)}
.shc-tag{font-size:.85em;padding:0 6px;border:1px solid currentColor;border-radius:4px;color:#854d0e;background:#fef9c3}
.shc-hit .shc-bubble{outline:3px solid var(--fc);outline-offset:2px}
.shc-desk,.shc-pastbar{display:flex;flex-wrap:wrap;gap:var(--s);padding:0 calc(var(--s)*1.5);font-size:.85em}
.shc-desk:not(:empty){padding-top:4px;padding-bottom:4px;border-bottom:1px solid var(--sf)}
.shc-notice{font-weight:600}
.shc-pastbar .shc-link{border:0;background:none;padding:2px 0;min-height:28px;text-decoration:underline}
.shc-past{flex:1;overflow-y:auto}
.shc-past h3{padding:var(--s) calc(var(--s)*1.5)}
.shc-past .shc-conv{display:flex;gap:var(--s);width:100%;text-align:start;border:0;border-bottom:1px solid var(--sf);border-radius:0;padding:var(--s) calc(var(--s)*1.5)}
.shc-past .shc-last{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.shc-past time{color:var(--mu);font-size:.85em}
@media (max-width:480px){.shc-panel{inset:0;width:auto;height:auto;max-height:none;border-radius:0}.shc-launcher[aria-expanded=true]{display:none}.shc-msg{max-width:92%}}
`;
