import { createHash } from 'node:crypto';

/**
 * The dashboard's only stylesheet, inlined in every page: no external assets (hosts and the machine running
 * `tarmac serve` may have no network). Status colours always come with a text label and a mark (✓ ✗ …),
 * never colour alone. It is a constant, so the page's CSP allows exactly this text by hash.
 */
export const STYLESHEET = `
:root{--bg:#f4f5f7;--card:#fff;--text:#1d2330;--muted:#5d6678;--line:#e1e4ea;--link:#1f5fbf;
--ok:#17663a;--ok-bg:#dcf3e3;--bad:#a8231a;--bad-bg:#fde3df;--run:#1b4fa8;--run-bg:#dde8fb;
--warn:#7f4505;--warn-bg:#fcefd2;--idle:#4b5563;--idle-bg:#eceef2;--code:#f3f4f7}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
header.top{background:#1d2330;color:#fff;padding:.7rem 1rem}
header.top .inner{max-width:84rem;margin:0 auto;display:flex;flex-wrap:wrap;gap:.3rem 1rem;align-items:baseline}
header.top h1{font-size:1.15rem;margin:0;letter-spacing:.02em}
header.top h1 a{color:#fff}
header.top .meta{color:#c3c9d5;font-size:.85rem}
main{max-width:84rem;margin:0 auto;padding:1rem}
.app{margin:0 0 2rem}
.app-head{display:flex;flex-wrap:wrap;gap:.2rem 1rem;align-items:baseline;margin:.4rem 0 .8rem}
.app-head h2{margin:0;font-size:1.35rem}
.muted{color:var(--muted)}.small{font-size:.85rem}
.envs{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,27rem),1fr));align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.1rem;min-width:0}
.card h3{margin:0;font-size:1.15rem}
.env-head{display:flex;flex-wrap:wrap;gap:.4rem .7rem;align-items:center;margin-bottom:.2rem}
h4{margin:1rem 0 .4rem;font-size:.78rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
h4 .note{text-transform:none;letter-spacing:0;font-weight:400;margin-left:.3rem}
.version{font-size:1.6rem;font-weight:650;margin:.1rem 0;overflow-wrap:anywhere}
.facts{display:flex;flex-wrap:wrap;gap:.15rem .9rem;margin:0;font-size:.85rem;color:var(--muted)}
.facts b{color:var(--text);font-weight:600}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
.s-ok{color:var(--ok);background:var(--ok-bg)}.s-bad{color:var(--bad);background:var(--bad-bg)}
.s-run{color:var(--run);background:var(--run-bg)}.s-warn{color:var(--warn);background:var(--warn-bg)}
.s-idle{color:var(--idle);background:var(--idle-bg)}
.chips{display:flex;flex-wrap:wrap;gap:.4rem;margin:0;padding:0;list-style:none}
.lock{background:var(--warn-bg);color:var(--warn);border-left:4px solid #d08a1c;border-radius:6px;
padding:.5rem .7rem;margin:.6rem 0;overflow-wrap:anywhere}
.lock strong{color:#5c3204}
.list{margin:0;padding:0;list-style:none}
.list li{padding:.25rem 0;border-top:1px solid var(--line)}.list li:first-child{border-top:0}
.deploy{border-top:1px solid var(--line);padding:.6rem 0 .2rem}
.deploy-line{display:flex;flex-wrap:wrap;gap:.2rem .6rem;align-items:center;font-size:.9rem}
.deploy .facts{font-size:.78rem;margin:.15rem 0 0}
.error{color:var(--bad);font-size:.85rem;margin:.3rem 0;overflow-wrap:anywhere}
.aborted{font-size:.85rem;margin:.3rem 0;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
table.hooks{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.82rem}
table.hooks th,table.hooks td{padding:.2rem .35rem;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap}
table.hooks thead th{color:var(--muted);font-weight:600}
.mark{display:inline-block;min-width:1.4rem;text-align:center;border-radius:4px;font-weight:700}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.85em}
details{margin:.2rem 0}summary{cursor:pointer;color:var(--link);font-size:.85rem}
pre{background:var(--code);border:1px solid var(--line);padding:.5rem .6rem;border-radius:6px;margin:.3rem 0;
overflow:auto;max-height:18rem;white-space:pre-wrap;overflow-wrap:anywhere}
.tail-event{font-size:.8rem;font-weight:600;margin:.4rem 0 0}
.empty{color:var(--muted);font-size:.9rem;margin:.2rem 0}
footer{max-width:84rem;margin:0 auto;padding:0 1rem 2rem;color:var(--muted);font-size:.8rem}
@media (max-width:40rem){main{padding:.6rem}.card{padding:.8rem}.version{font-size:1.35rem}}
`.trim();

/** CSP source allowing exactly {@link STYLESHEET}. */
export const STYLESHEET_HASH = `'sha256-${createHash('sha256').update(STYLESHEET).digest('base64')}'`;
