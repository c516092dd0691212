// The point's 1-minute max / avg / min around an alarm episode, with its alarm threshold.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("episode-chart");
  if (!box || !window.echarts) { return; }
  var d = JSON.parse(document.getElementById("episode-data").textContent);
  var marks = [{ xAxis: d.opened, name: "开始" }];
  if (d.closed) { marks.push({ xAxis: d.closed, name: "结束" }); }
  var lines = { symbol: "none", silent: true, data: marks, lineStyle: { color: "#c0392b" } };
  if (d.threshold !== null && d.threshold !== undefined) {
    lines.data = marks.concat([{ yAxis: d.threshold, name: "报警门限" }]);
  }
  echarts.init(box).setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["最大值", "平均值", "最小值"] },
    xAxis: { type: "category", data: d.times },
    yAxis: { type: "value", scale: true },
    series: [
      { name: "最大值", type: "line", data: d.max, showSymbol: false, markLine: lines },
      { name: "平均值", type: "line", data: d.avg, showSymbol: false },
      { name: "最小值", type: "line", data: d.min, showSymbol: false }
    ]
  });
});
