/// The console's only stylesheet, served inline with every page (no external assets).
enum Stylesheet {
    static let css = """
    :root {
      --bg: #f4f6f9; --panel: #ffffff; --border: #e2e6ec; --text: #18212f; --muted: #647084; --faint: #f0f3f7;
      --accent: #2f6fed; --accent-soft: #e8f0ff; --top: #0e1726; --top-text: #d8e0ee;
      --ok: #177245; --ok-bg: #e3f5ea; --warn: #8a5a00; --warn-bg: #fff3d6; --err: #b42318; --err-bg: #fde8e6;
      --unknown: #556070; --unknown-bg: #eceff3;
      --mono: ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace;
    }
    * { box-sizing: border-box; }
    html, body { margin: 0; }
    body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", sans-serif;
      color: var(--text); background: var(--bg); }
    a { color: var(--accent); text-decoration: none; }
    a:hover { text-decoration: underline; }
    .topbar { display: flex; align-items: center; gap: 28px; padding: 0 28px; height: 52px; background: var(--top); color: var(--top-text); }
    .brand { display: flex; align-items: center; gap: 9px; color: #fff; font-weight: 650; font-size: 15px; letter-spacing: .2px; }
    .brand:hover { text-decoration: none; }
    .brand span { color: #8fa3c4; font-weight: 500; }
    .topbar nav { display: flex; gap: 4px; height: 100%; }
    .topbar nav a { display: flex; align-items: center; padding: 0 12px; color: var(--top-text); border-bottom: 2px solid transparent; }
    .topbar nav a:hover { color: #fff; text-decoration: none; }
    .topbar nav a.active { color: #fff; border-bottom-color: #6ea0ff; }
    .cluster { margin-left: auto; display: flex; align-items: center; gap: 14px; font-size: 12.5px; color: #9fb0cb; }
    .cluster code { font-family: var(--mono); color: #dfe7f5; }
    .dot-live { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #3ccf7e; margin-right: 6px; }
    .dot-live.stale { background: #f0a020; }
    button.toggle { font: inherit; font-size: 12px; color: #dfe7f5; background: transparent; border: 1px solid #34425a; border-radius: 6px; padding: 3px 9px; cursor: pointer; }
    button.toggle:hover { border-color: #6ea0ff; }
    main { max-width: 1280px; margin: 0 auto; padding: 22px 28px 48px; }
    .crumbs { font-size: 12.5px; color: var(--muted); margin-bottom: 6px; }
    .crumbs a { color: var(--muted); }
    .title { display: flex; align-items: center; gap: 12px; margin: 0 0 18px; }
    .title h1 { font-size: 22px; font-weight: 650; margin: 0; word-break: break-all; }
    .title .actions { margin-left: auto; display: flex; gap: 8px; }
    .button { display: inline-block; padding: 6px 12px; border-radius: 7px; background: var(--accent); color: #fff; font-weight: 550; font-size: 13px; border: 0; cursor: pointer; }
    .button:hover { text-decoration: none; filter: brightness(1.08); }
    .button.secondary { background: var(--panel); color: var(--text); border: 1px solid var(--border); }
    .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-bottom: 18px; }
    .kpi { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 12px 14px; }
    .kpi .label { font-size: 11.5px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); }
    .kpi .value { font-size: 22px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
    .kpi .sub { font-size: 12px; color: var(--muted); }
    .card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; margin-bottom: 18px; overflow: hidden; }
    .card-head { display: flex; align-items: center; gap: 12px; padding: 11px 16px; border-bottom: 1px solid var(--border); }
    .card-head h2 { font-size: 14px; font-weight: 650; margin: 0; }
    .card-head .hint { font-size: 12px; color: var(--muted); }
    .card-head input[type=search] { margin-left: auto; font: inherit; font-size: 13px; padding: 5px 9px; border: 1px solid var(--border); border-radius: 7px; width: 220px; }
    .card-body { padding: 14px 16px; }
    .grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
    table { width: 100%; border-collapse: collapse; }
    th { text-align: left; font-size: 11.5px; font-weight: 600; text-transform: uppercase; letter-spacing: .5px; color: var(--muted);
      background: var(--faint); padding: 8px 16px; border-bottom: 1px solid var(--border); white-space: nowrap; }
    td { padding: 8px 16px; border-bottom: 1px solid var(--border); vertical-align: middle; }
    tr:last-child td { border-bottom: 0; }
    tbody tr:hover td { background: #fafbfd; }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .mono { font-family: var(--mono); font-size: 12.5px; }
    .muted { color: var(--muted); }
    .reason { color: var(--muted); font-size: 12.5px; }
    .empty { padding: 22px 16px; color: var(--muted); text-align: center; }
    .badge { display: inline-block; min-width: 46px; text-align: center; padding: 2px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 650; letter-spacing: .4px; }
    .b-ok { color: var(--ok); background: var(--ok-bg); }
    .b-warn { color: var(--warn); background: var(--warn-bg); }
    .b-err { color: var(--err); background: var(--err-bg); }
    .b-unknown { color: var(--unknown); background: var(--unknown-bg); }
    .verdict { display: flex; gap: 12px; align-items: flex-start; padding: 12px 16px; border-radius: 10px; margin-bottom: 18px; border: 1px solid; }
    .verdict.v-ok { background: var(--ok-bg); border-color: #b9e3c9; }
    .verdict.v-warn { background: var(--warn-bg); border-color: #f3d68c; }
    .verdict.v-err { background: var(--err-bg); border-color: #f5b8b1; }
    .verdict.v-unknown { background: var(--unknown-bg); border-color: #d5dbe3; }
    .verdict strong { display: block; margin-bottom: 2px; }
    .chart { width: 100%; height: auto; display: block; }
    .chart .grid { stroke: #e8ebf0; stroke-width: 1; }
    .chart .axis { fill: var(--muted); font-size: 11px; font-family: inherit; }
    .chart .chart-empty { fill: var(--muted); font-size: 13px; }
    .chart .line, .sparkline .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
    .sparkline { width: 120px; height: 28px; vertical-align: middle; }
    .sparkline .line { stroke-width: 1.5; }
    .chart .area { opacity: .10; stroke: none; }
    .chart .dot { stroke: #fff; stroke-width: 1.5; }
    .chart .hover { fill: transparent; stroke: none; }
    .chart .hover:hover { fill: rgba(47, 111, 237, .25); }
    .s0 { stroke: #2f6fed; fill: #2f6fed; } .s1 { stroke: #d6336c; fill: #d6336c; } .s2 { stroke: #0f9d6b; fill: #0f9d6b; }
    .s3 { stroke: #e08a00; fill: #e08a00; } .s4 { stroke: #7048e8; fill: #7048e8; } .s5 { stroke: #1098ad; fill: #1098ad; }
    .legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); margin-top: 6px; }
    .legend svg { margin-right: 5px; vertical-align: -1px; }
    h2.section { font-size: 15px; margin: 26px 0 10px; }
    .line.s0, .line.s1, .line.s2, .line.s3, .line.s4, .line.s5 { fill: none; }
    form.browse { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-end; }
    form.browse label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: var(--muted); font-weight: 550; }
    form.browse input, form.browse select { font: inherit; font-size: 13px; padding: 6px 9px; border: 1px solid var(--border); border-radius: 7px; background: #fff; min-width: 110px; }
    .pager { display: flex; align-items: center; gap: 10px; }
    .message { border-bottom: 1px solid var(--border); padding: 12px 16px; }
    .message:last-child { border-bottom: 0; }
    .message-meta { display: flex; flex-wrap: wrap; gap: 16px; font-size: 12.5px; color: var(--muted); margin-bottom: 6px; }
    .message-meta b { color: var(--text); font-weight: 600; }
    .chip { display: inline-block; font-family: var(--mono); font-size: 11.5px; background: var(--accent-soft); color: #1d4fbf; border-radius: 5px; padding: 1px 6px; margin-right: 4px; }
    pre.value { margin: 0; padding: 10px 12px; background: #f7f9fc; border: 1px solid var(--border); border-radius: 7px; font-family: var(--mono);
      font-size: 12.5px; white-space: pre-wrap; word-break: break-all; max-height: 360px; overflow: auto; }
    .error-box { background: var(--err-bg); color: var(--err); border: 1px solid #f5b8b1; border-radius: 10px; padding: 14px 16px; }
    footer { max-width: 1280px; margin: 0 auto; padding: 0 28px 28px; color: var(--muted); font-size: 12px; }
    @media (max-width: 900px) { .grid-2 { grid-template-columns: 1fr; } .cluster { display: none; } }
    """
}
