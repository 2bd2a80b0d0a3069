/**
 * Widget styles, injected into its shadow root so host CSS cannot reach in and these rules cannot
 * leak out. Only the documented `--shc-*` custom properties cross the boundary (custom
 * properties inherit through shadow DOM), which is what makes the widget themeable.
 * Page rules can still style the host element, and inherited properties (colour, font,
 * letter-spacing…) would flow from it; `.shc-root` resets them all, and no page rule can reach it.
 * The defaults meet WCAG 2.1 AA contrast (4.5:1 or better for all text).
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
*{box-sizing:border-box}
[hidden]{display:none!important}
h2{font-size:1.05em;margin:0}
p{margin:var(--s)}
ul,ol{list-style:none;margin:0;padding:0}
button,textarea,input{font:inherit;color:inherit}
button{cursor:pointer;background:var(--bg);border:1px solid var(--bd);border-radius:calc(var(--r)/2);padding:calc(var(--s)/2) var(--s);min-height:32px}
button:disabled{cursor:default;opacity:.7}
:focus-visible,.shc-sr:focus-visible+.shc-attach{outline:3px solid var(--fc);outline-offset:2px}
.shc-sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.shc-btn{display:inline-flex;align-items:center;justify-content:center}
.shc-launcher{position:fixed;right:calc(var(--s)*2);bottom:calc(var(--s)*2);z-index:var(--shc-z-index,2147483000);width:56px;height:56px;border-radius:50%;border:0;background:var(--p);color:var(--op);font-size:24px;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.shc-badge{display:inline-block;min-width:20px;padding:0 6px;border-radius:10px;background:var(--dg);color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}
.shc-launcher .shc-badge{position:absolute;top:-4px;right:-4px}
.shc-panel{position:fixed;right:calc(var(--s)*2);bottom:calc(var(--s)*2 + 64px);z-index:var(--shc-z-index,2147483000);width:var(--shc-panel-width,380px);height:var(--shc-panel-height,560px);max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:var(--bg);border:1px solid var(--bd);border-radius:var(--r);box-shadow:0 8px 30px rgba(0,0,0,.2);overflow:hidden;animation:shc-in .18s ease-out}
@keyframes shc-in{from{opacity:0;transform:translateY(8px)}}
.shc-header{display:flex;align-items:center;justify-content:space-between;gap:var(--s);padding:var(--s) calc(var(--s)*1.5);background:var(--p);color:var(--op)}
.shc-header button{background:transparent;color:inherit;border-color:currentColor}
.shc-close{font-size:20px;width:36px}
.shc-presence{display:inline-flex;align-items:center;gap:6px;font-size:.85em}
.shc-dot{width:9px;height:9px;border-radius:50%;border:1px solid currentColor}
.shc-online .shc-dot{background:var(--ok)}
.shc-header .shc-online .shc-dot{background:#86efac}
.shc-thread{flex:1;display:flex;flex-direction:column;min-height:0}
.shc-history{flex:1;display:flex;flex-direction:column;min-height:0}
.shc-older{margin:var(--s) auto 0}
.shc-log{flex:1;overflow-y:auto;padding:var(--s)}
.shc-list{display:flex;flex-direction:column;gap:var(--s)}
.shc-msg{display:flex;flex-direction:column;align-items:flex-start;max-width:85%}
.shc-own{align-self:flex-end;align-items:flex-end}
.shc-meta,.shc-state,.shc-note{font-size:.8em;color:var(--mu)}
.shc-own .shc-note{color:inherit}
.shc-bubble{padding:var(--s) calc(var(--s)*1.5);border-radius:var(--r);background:var(--sf);white-space:pre-wrap;overflow-wrap:anywhere}
.shc-own .shc-bubble{background:var(--p);color:var(--op)}
.shc-img{display:block;max-width:100%;height:auto;max-height:240px;margin-top:4px;border-radius:calc(var(--r)/2)}
.shc-own .shc-file{color:inherit}
.shc-failed{color:var(--dg)}
.shc-more{min-height:24px;margin-left:4px;padding:0 8px;border-color:transparent;color:var(--mu);background:transparent;opacity:0}
.shc-msg:hover .shc-more,.shc-more:focus,.shc-more[aria-expanded=true]{opacity:1}
@media (hover:none){.shc-more{opacity:1}}
.shc-menu,.shc-reactions{display:flex;flex-wrap:wrap;gap:4px;margin-top:2px}
.shc-reactions button[aria-pressed=true]{border-color:var(--p);background:var(--sf)}
.shc-edit{display:flex;flex-wrap:wrap;gap:4px}
.shc-status{min-height:1.4em;padding:0 var(--s);font-size:.85em;color:var(--mu);display:flex;gap:var(--s)}
.shc-composer{border-top:1px solid var(--bd);padding:var(--s)}
.shc-row{display:flex;gap:var(--s);align-items:flex-end}
.shc-row textarea,.shc-edit textarea{flex:1;resize:none;min-height:40px;max-height:120px;padding:var(--s);border:1px solid var(--bd);border-radius:calc(var(--r)/2);background:var(--bg)}
.shc-attach{min-width:40px;min-height:40px;border:1px solid var(--bd);border-radius:calc(var(--r)/2);cursor:pointer}
.shc-send{min-height:40px;background:var(--p);color:var(--op);border-color:var(--p)}
.shc-preview{display:flex;align-items:center;gap:var(--s);margin-bottom:var(--s)}
.shc-preview img{max-width:96px;max-height:96px;border-radius:calc(var(--r)/2)}
.shc-error{color:var(--dg)}
.shc-empty,.shc-placeholder{color:var(--mu);text-align:center;margin:auto}
.shc-agent{display:grid;grid-template-columns:minmax(220px,320px) 1fr;height:100%;min-height:420px;border:1px solid var(--bd);border-radius:var(--r);overflow:hidden;background:var(--bg)}
.shc-inbox{border-right:1px solid var(--bd);overflow-y:auto}
.shc-inbox h2{padding:calc(var(--s)*1.5)}
.shc-conv{display:flex;flex-direction:column;gap:2px;width:100%;text-align:left;border:0;border-bottom:1px solid var(--sf);border-radius:0;padding:var(--s) calc(var(--s)*1.5)}
.shc-conv.shc-current{background:var(--sf);box-shadow:inset 4px 0 var(--p)}
.shc-conv-top,.shc-conv-bottom{display:flex;justify-content:space-between;gap:var(--s);width:100%}
.shc-conv time,.shc-last{color:var(--mu);font-size:.85em}
.shc-last{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.shc-main{display:flex;flex-direction:column;min-height:0}
@media (max-width:640px){.shc-agent{grid-template-columns:1fr}.shc-has-thread .shc-inbox,.shc-agent:not(.shc-has-thread) .shc-main{display:none}}
@media (max-width:480px){.shc-panel{inset:0;width:auto;height:auto;max-height:none;border-radius:0}.shc-launcher[aria-expanded=true]{display:none}.shc-msg{max-width:92%}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
`;
