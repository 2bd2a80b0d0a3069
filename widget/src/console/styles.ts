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
kbd{font:inherit;padding:0 4px;border:1px solid var(--bd);border-radius:4px;background:var(--sf)}
@media (max-width:1000px){.shc-agent,.shc-agent:not(.shc-has-thread){grid-template-columns:minmax(200px,280px) minmax(0,1fr)}.shc-details-toggle{display:inline-flex!important}.shc-details{display:none}
.shc-show-details .shc-details{display:block;position:absolute;top:64px;right:8px;z-index:3;width:min(280px,calc(100% - 16px));max-height:calc(100% - 72px);background:var(--bg);border:1px solid var(--bd);border-radius:var(--r);box-shadow:0 8px 30px rgba(0,0,0,.2)}}
@media (max-width:640px){.shc-agent,.shc-agent:not(.shc-has-thread){grid-template-columns:minmax(0,1fr)}.shc-has-thread .shc-inbox,.shc-agent:not(.shc-has-thread) .shc-main{display:none}}
`;
