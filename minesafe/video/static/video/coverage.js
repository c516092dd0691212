// Charts of the video coverage overview (MON-7), drawn from data the page embeds (no network).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("video-chart-data").textContent);
  function pie(id, rows, palette) {
    var chart = echarts.init(document.getElementById(id));
    chart.setOption({
      color: palette,
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: window.minesafe.chart.pieRadius,
                 data: rows.filter(function (r) { return r.value > 0; }), label: window.minesafe.chart.pieLabel }]
    });
    return chart;
  }
  var charts = [
    pie("chart-coverage", [{ name: "已覆盖", value: data.covered }, { name: "未覆盖", value: data.gaps }],
        ["#2f9e44", "#d6336c"]),
    pie("chart-reasons", data.reasons, ["#e8590c", "#d6336c", "#e6a700", "#868e96"])
  ];
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
