// The board's map: the boundaries of the provinces the user's mines lie in (or the national
// map), served by the app itself, merged into one map registered with ECharts once, and the
// user's mines as points coloured by their worst open alarm level.
// htmx refreshes the board's partial (with its #map-data JSON); the map redraws from it.
(function () {
  var chart = null;
  var registered = false;
  var LEVELS = { 0: "无未结束报警", 1: "I级", 2: "II级", 3: "III级", 4: "IV级" };

  function data() {
    var el = document.getElementById("map-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  var viewSet = false;

  function draw() {
    var d = data();
    if (!chart || !d) { return; }
    // Centre and zoom only on the first draw: a refresh must not undo the user's panning.
    if (viewSet) { d.view = {}; }
    viewSet = true;
    var series = [0, 4, 3, 2, 1].map(function (level) {
      var pts = d.points.filter(function (p) { return p.level === level; });
      return {
        name: LEVELS[level],
        type: level === 0 ? "scatter" : "effectScatter",
        coordinateSystem: "geo",
        symbolSize: level === 0 ? 8 : 14 - level,
        itemStyle: { color: d.colors[String(level)] },
        data: pts.map(function (p) {
          return { name: p.name, value: p.value, url: p.url, open: p.open };
        })
      };
    });
    var region = document.getElementById("mine-map").dataset.region || "";
    chart.setOption({
      // The supervised area's name over the map (ECharts draws it as text, no markup).
      title: { text: region, left: "center", top: 4, textStyle: { fontSize: 14, color: "#334155" } },
      tooltip: {
        trigger: "item",
        // HTML: mine (and region) names are data, so they are escaped.
        formatter: function (p) {
          var name = window.minesafe.escape(p.name);
          if (!p.data || !p.data.url) { return name; }
          return name + "<br>未结束报警：" + window.minesafe.escape(p.data.open) + " 条";
        }
      },
      legend: { bottom: 0, data: [0, 4, 3, 2, 1].map(function (l) { return LEVELS[l]; }) },
      geo: {
        map: d.map,
        roam: true,
        center: d.view.center || undefined,
        zoom: d.view.zoom || undefined,
        label: { show: true, color: "#64748b", fontSize: 10 },
        itemStyle: { areaColor: "#f1f5f9", borderColor: "#94a3b8" },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#e2e8f0" } }
      },
      series: series
    });
  }

  function init() {
    var box = document.getElementById("mine-map");
    if (!box || !window.echarts) { return; }
    var files = JSON.parse(document.getElementById("map-files").textContent);
    Promise.all(files.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    }))
      .then(function (parts) {
        // Every file is a compressed feature collection with its own per-geometry offsets, so
        // their features can simply be concatenated.
        var geo = parts[0];
        for (var i = 1; i < parts.length; i++) { geo.features = geo.features.concat(parts[i].features); }
        if (!registered) { echarts.registerMap(box.dataset.mapName, geo); registered = true; }
        chart = echarts.init(box);
        chart.on("click", function (p) { if (p.data && p.data.url) { window.location = p.data.url; } });
        window.addEventListener("resize", function () { chart.resize(); });
        draw();
      });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "board") { draw(); }
  });
})();
