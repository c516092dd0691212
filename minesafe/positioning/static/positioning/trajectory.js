// One card's trajectory as a step line of areas over time, drawn from data the page embeds.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("trajectory-chart");
  var source = document.getElementById("trajectory-data");
  if (!window.echarts || !box || !source) return;
  var data = JSON.parse(source.textContent);
  var areas = [];
  data.points.forEach(function (p) { if (areas.indexOf(p[1]) < 0) areas.push(p[1]); });
  var line = data.points.map(function (p) { return [p[0], p[1], p[2], p[3]]; });
  if (line.length) line.push([data.end, line[line.length - 1][1], "", "当前"]);
  var chart = echarts.init(box);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "item", formatter: function (p) {
      // HTML: area and station names come from the mine's files, so each is escaped.
      var esc = window.minesafe.escape;
      return esc(p.value[0].replace("T", " ").slice(0, 19)) + "<br>" + esc(p.value[3]) + " · " +
        esc(p.value[1]) + (p.value[2] ? " · " + esc(p.value[2]) : "");
    } },
    grid: window.minesafe.chart.grid({ top: 20 }),
    xAxis: { type: "time", axisLabel: window.minesafe.chart.axisLabel },
    yAxis: { type: "category", data: areas, axisLabel: window.minesafe.chart.categoryLabel },
    series: [{ type: "line", step: "end", data: line, symbolSize: 8 }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
