// A point's history: max / avg / min from the JSON endpoint, thresholds as mark lines, and a
// range selector (raw readings of the last hours from the archive; day: 1-minute, week: 5-minute,
// month: hourly, year: daily statistics).
(function () {
  var chart = null;

  function load(box, params) {
    var note = document.getElementById("history-note");
    fetch(box.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) {
          note.textContent = "参数错误：" + JSON.stringify(res.body);
          return;
        }
        var d = res.body;
        note.textContent = d.start.replace("T", " ") + " 至 " + d.end.replace("T", " ") + "，共 " + d.data.length + " 个统计点" + (d.data.length ? "" : "（该时段无统计数据）");
        var marks = d.thresholds.map(function (t) { return { yAxis: t.value, name: t.name }; });
        // Keep every threshold inside the axis, or ECharts would not draw its line.
        var top = Math.max.apply(null, [0].concat(d.thresholds.map(function (t) { return t.value; })));
        var col = function (i) { return d.data.map(function (row) { return [row[0], row[i]]; }); };
        var lines = d.source === "raw"
          ? { names: ["读数"], series: [{ name: "读数", type: "line", showSymbol: false, data: col(2) }] }
          : { names: ["最大值", "平均值", "最小值"], series: [
              { name: "最大值", type: "line", showSymbol: false, data: col(1) },
              { name: "平均值", type: "line", showSymbol: false, data: col(2) },
              { name: "最小值", type: "line", showSymbol: false, data: col(3) }] };
        lines.series[0].markLine = { symbol: "none", silent: true, data: marks,
          lineStyle: { color: "#dc2626" }, label: { formatter: "{b} {c}" } };
        chart.setOption({
          tooltip: { trigger: "axis" },
          legend: { data: lines.names },
          dataZoom: [{ type: "inside" }, { type: "slider" }],
          xAxis: { type: "time" },
          yAxis: { type: "value", scale: true, name: d.point.unit,
                   max: function (v) { return Math.max(v.max, top * 1.05); } },
          series: lines.series
        }, true);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("history-chart");
    var form = document.getElementById("history-form");
    if (!box || !window.echarts) { return; }
    chart = echarts.init(box);
    window.addEventListener("resize", function () { chart.resize(); });
    var submit = function () {
      var params = new URLSearchParams();
      params.set("range", form.range.value);
      if (form.start.value) { params.set("start", form.start.value); }
      history.replaceState(null, "", "?" + params.toString());
      load(box, params);
    };
    form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
    form.range.addEventListener("change", submit);
    submit();
  });
})();
