/** The agent console's layout: inbox, thread and customer details; one column below 640 px. */
export const CONSOLE_CSS = `
.shc-agent{position:relative;display:grid;grid-template-columns:minmax(220px,300px) minmax(0,1fr) minmax(200px,260px);height:100%;min-height:420px;border:1px solid var(--bd);border-radius:var(--r);overflow:hidden;background:var(--bg)}
.shc-agent:not(.shc-has-thread){grid-template-columns:minmax(220px,300px) minmax(0,1fr)}
.shc-inbox{display:flex;flex-direction:column;min-width:0;border-inline-end:1px solid var(--bd);overflow-y:auto}
.shc-inbox ul{flex:1}
.shc-inbox h2{padding:calc(var(--s)*1.5)}
.shc-conv{display:flex;align-items:flex-start;gap:var(--s);width:100%;text-align:start;border:0;border-bottom:1px solid var(--sf);border-radius:0;padding:var(--s) calc(var(--s)*1.5)}
.shc-conv-body{flex:1;min-width:0;display:flex;flex-direction:column;gap:2px}
.shc-conv.shc-current{background:var(--sf);box-shadow:inset 4px 0 var(--p)}
.shc-conv-top,.shc-conv-bottom{display:flex;justify-content:space-between;align-items:baseline;gap:var(--s)}
.shc-conv-top strong,.shc-last{min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.shc-conv time{flex:none;white-space:nowrap}
.shc-conv time,.shc-last,.shc-conv .shc-presence{color:var(--mu);font-size:.85em}
.shc-main{display:flex;flex-direction:column;min-width:0;min-height:0}
.shc-main .shc-header{flex-wrap:wrap}
.shc-details{min-width:0;padding:calc(var(--s)*1.5);border-inline-start:1px solid var(--bd);overflow-y:auto}
.shc-details dl{margin:var(--s) 0}
.shc-details dt,.shc-details h3{color:var(--mu);font-size:.8em}
.shc-details dd{margin:0 0 var(--s)}
.shc-link{border:0;background:none;padding:2px 0;text-align:start;text-decoration:underline}
.shc-details-toggle{display:none!important}
.shc-keys{padding:var(--s) calc(var(--s)*1.5);border-top:1px solid var(--bd);font-size:.85em}
.shc-keys summary{cursor:pointer}
.shc-keys dl{display:grid;grid-template-columns:auto 1fr;gap:4px var(--s);margin:var(--s) 0 0}
.shc-keys dd{margin:0}
.shc-inbox-head{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:var(--s);padding:calc(var(--s)*1.5)}
.shc-inbox-head h2{padding:0}
.shc-search{display:flex;flex-wrap:wrap;gap:4px;padding:0 calc(var(--s)*1.5) var(--s)}
.shc-search input{flex:1 1 120px;min-width:0;min-height:32px;padding:4px var(--s);border:1px solid var(--bd);border-radius:calc(var(--r)/2);background:var(--bg)}
.shc-filters{display:flex;flex-direction:column;gap:4px;padding:0 calc(var(--s)*1.5) var(--s)}
.shc-seg{display:flex;flex-wrap:wrap;gap:4px}
.shc-seg button{padding:2px 8px;font-size:.85em}
.shc-seg button[aria-pressed=true],.shc-toolbar button[aria-pressed=true],.shc-modes button[aria-pressed=true]{background:var(--tx);color:var(--bg);border-color:var(--tx);font-weight:700}
.shc-count{display:inline-block;min-width:1.4em;padding:0 4px;border-radius:8px;background:var(--sf);color:var(--tx);font-size:.9em;text-align:center}
.shc-conv-meta{display:flex;flex-wrap:wrap;justify-content:space-between;gap:var(--s);color:var(--mu);font-size:.85em}
.shc-note-mark{font-weight:700;color:#854d0e}
.shc-more-list{margin:var(--s) calc(var(--s)*1.5)}
.shc-results h3{padding:0 calc(var(--s)*1.5) var(--s)}
.shc-hit-item{display:flex;flex-direction:column;gap:2px;width:100%;text-align:start;border:0;border-bottom:1px solid var(--sf);border-radius:0;padding:var(--s) calc(var(--s)*1.5)}
.shc-snippet{color:var(--tx);font-size:.9em;overflow-wrap:anywhere}
mark{background:#fde68a;color:#111827;font-weight:700;text-decoration:underline}
.shc-desk-controls{padding:4px calc(var(--s)*1.5);border-bottom:1px solid var(--bd);display:flex;flex-direction:column;gap:4px}
.shc-desk-controls p{margin:0}
.shc-desk-state{display:flex;flex-wrap:wrap;gap:var(--s);align-items:center;font-size:.9em}
.shc-status-tag{padding:0 6px;border:1px solid currentColor;border-radius:4px}
.shc-away-tag{font-weight:700;color:#92400e}
.shc-toolbar{display:flex;flex-wrap:wrap;gap:4px;align-items:center}
.shc-toolbar button{font-size:.9em}
[aria-disabled=true]{opacity:.7;cursor:default}
.shc-assign{display:inline-flex;align-items:center;gap:4px;font-size:.9em}
.shc-assign select,.shc-snooze input,.shc-form input,.shc-form textarea{font:inherit;color:inherit;min-height:32px;max-width:100%;padding:2px 4px;border:1px solid var(--bd);border-radius:calc(var(--r)/2);background:var(--bg)}
.shc-snooze{display:flex;flex-wrap:wrap;gap:4px;align-items:center}
.shc-modes{display:flex;gap:4px;margin-bottom:4px}
.shc-modes button{font-size:.85em;min-height:28px}
.shc-noting{background:#fef9c3}
.shc-noting textarea{border:2px dashed #854d0e}
.shc-composer{position:relative}
.shc-canned{position:absolute;bottom:100%;inset-inline:var(--s);z-index:3;max-height:220px;overflow-y:auto;background:var(--bg);border:1px solid var(--bd);border-radius:calc(var(--r)/2);box-shadow:0 4px 14px rgba(0,0,0,.18)}
.shc-canned li{padding:6px var(--s);cursor:pointer;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.shc-canned li.shc-active{background:var(--tx);color:var(--bg);outline:2px solid var(--fc);outline-offset:-2px}
.shc-settings{padding:calc(var(--s)*1.5);overflow-y:auto}
.shc-settings-head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:var(--s);margin-bottom:var(--s)}
.shc-form{display:flex;flex-direction:column;gap:var(--s);max-width:520px;margin:var(--s) 0}
.shc-form label{display:flex;flex-direction:column;gap:2px}
.shc-form .shc-check{flex-direction:row;align-items:flex-start;gap:6px}
.shc-help{color:var(--mu);font-size:.85em}
.shc-canned-admin{margin-top:calc(var(--s)*2)}
.shc-canned-admin li{padding:4px 0;border-bottom:1px solid var(--sf);overflow-wrap:anywhere}
.shc-canned-body{color:var(--mu)}
kbd{font:inherit;padding:0 4px;border:1px solid var(--bd);border-radius:4px;background:var(--sf)}
@media (max-width:1000px){.shc-agent,.shc-agent:not(.shc-has-thread){grid-template-columns:minmax(200px,280px) minmax(0,1fr)}.shc-details-toggle{display:inline-flex!important}.shc-details{display:none}
.shc-show-details .shc-details{display:block;position:absolute;top:64px;right:8px;z-index:3;width:min(280px,calc(100% - 16px));max-height:calc(100% - 72px);background:var(--bg);border:1px solid var(--bd);border-radius:var(--r);box-shadow:0 8px 30px rgba(0,0,0,.2)}}
@media (max-width:640px){.shc-agent,.shc-agent:not(.shc-has-thread){grid-template-columns:minmax(0,1fr)}.shc-has-thread .shc-inbox,.shc-agent:not(.shc-has-thread) .shc-main{display:none}}
`;
