extension Dashboard {
    /// The page's CSS (inline: the page needs nothing else to load).
    static let style = """
        :root{--ink:#1d2430;--muted:#5d6673;--line:#e3e7ec;--bg:#f5f7fa;--card:#fff}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
        header{padding:22px 28px 8px}
        h1{margin:0;font-size:22px;letter-spacing:-.01em}
        .sub{margin:4px 0 0;color:var(--muted)}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:14px;padding:12px 28px}
        .tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
        .tile .k{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.04em}
        .tile .v{font-size:30px;font-weight:650;margin:2px 0;font-variant-numeric:tabular-nums}
        .tile .d{color:var(--muted);font-size:13px}
        main{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:14px;padding:6px 28px 10px}
        .card{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px 10px;min-width:0}
        .card.wide{grid-column:1/-1}
        figcaption{font-weight:600;margin-bottom:6px}
        figcaption .on{font-weight:400;color:var(--muted);font-size:13px}
        svg.chart{display:block;width:100%;height:auto}
        svg text{font-family:inherit;fill:var(--ink)}
        svg .tick{font-size:11px;fill:var(--muted)}
        svg .label{font-size:12.5px}
        svg .value{font-size:12px;font-variant-numeric:tabular-nums}
        svg .share{fill:var(--muted)}
        svg .empty{font-size:13px;fill:var(--muted)}
        svg .grid{stroke:#e9ecf0;stroke-width:1}
        svg .baseline{stroke:#9aa3ad;stroke-width:1}
        svg .hover{fill:transparent}
        svg .hover:hover{fill:rgba(29,36,48,.06)}
        .legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 6px;padding:0;font-size:13px;color:var(--muted)}
        .legend b{color:var(--ink);font-weight:600;font-variant-numeric:tabular-nums}
        .swatch{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:6px;vertical-align:-1px}
        details{margin-top:6px;font-size:13px}
        summary{cursor:pointer;color:var(--muted)}
        table.numbers{border-collapse:collapse;margin-top:6px;font-variant-numeric:tabular-nums}
        table.numbers th,table.numbers td{padding:2px 10px;border-bottom:1px solid var(--line);text-align:right}
        table.numbers th:first-child,table.numbers td:first-child{text-align:left}
        .note{color:var(--muted);font-size:13px;margin:4px 0 0}
        .filters{display:flex;flex-wrap:wrap;gap:6px 22px;align-items:center;padding:2px 28px 6px;font-size:14px}
        .filters .k{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.04em;margin-right:4px}
        .chip{display:inline-block;padding:2px 10px;margin:2px 0;border:1px solid var(--line);border-radius:999px;background:var(--card);text-decoration:none;overflow-wrap:anywhere}
        .chip.on{background:#0b63a8;border-color:#0b63a8;color:#fff}
        .part{grid-column:1/-1;display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:14px;margin-top:8px;min-width:0}
        .part>h2{grid-column:1/-1;margin:8px 0 0;font-size:19px;letter-spacing:-.01em}
        .part>.note{grid-column:1/-1;margin:0}
        figcaption{overflow-wrap:anywhere}
        .scroll{overflow-x:auto;max-width:100%}
        table.facts td.key{max-width:34ch;overflow-wrap:anywhere;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px}
        table.facts td.none{color:var(--muted)}
        table.numbers .share{color:var(--muted)}
        table.numbers td.share{color:var(--ink);font-weight:600}
        table.numbers th a{font-weight:600}
        svg.spark{display:block;width:160px;height:30px}
        .csv{margin:4px 0 0;font-size:12.5px;color:var(--muted)}
        .csv a{font-weight:600;margin-right:4px}
        .cutoffs{list-style:none;margin:2px 0;padding:0;display:flex;flex-wrap:wrap;gap:6px 26px;font-size:15px}
        .cutoffs b{font-variant-numeric:tabular-nums}
        .cutoffs b.version{font-family:ui-monospace,"DejaVu Sans Mono",monospace;overflow-wrap:anywhere}
        table.adoption td.none,table.retention td.none{color:var(--muted)}
        table.retention td.heat-0{background:#f4f7fb}
        table.retention td.heat-1{background:#e3edf7}
        table.retention td.heat-2{background:#d0e2f2}
        table.retention td.heat-3{background:#b9d4eb}
        table.retention td.heat-4{background:#9fc4e3}
        table.retention td.heat-5{background:#82b2da}
        table.retention td.heat-6{background:#649fd0;color:#fff}
        table.retention td.heat-7{background:#468bc4;color:#fff}
        table.retention td.heat-8{background:#2c76b6;color:#fff}
        table.retention td.heat-9{background:#165fa2;color:#fff}
        table.retention td.heat-10{background:#0b4f8a;color:#fff}
        footer{padding:4px 28px 28px;color:var(--muted);font-size:13px;max-width:980px}
        a{color:#0b63a8}
        """
}
