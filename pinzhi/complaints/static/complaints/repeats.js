// The trend chart of the repeat-analysis page: stacked bars per week or month of the largest
// topics, from the JSON the page carries in #repeat-trend-data (a static file, so that the
// Content-Security-Policy can refuse inline scripts).
(function () {
  function draw() {
    var el = document.getElementById("repeat-trend");
    var source = document.getElementById("repeat-trend-data");
    if (!el || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {trigger: "axis"},
      legend: {type: "scroll", bottom: 0},
      grid: {left: 32, right: 12, top: 12, bottom: 48},
      xAxis: {type: "category", data: data.labels},
      yAxis: {type: "value", minInterval: 1},
      series: data.series.map(function (s) {
        return {name: s.name, type: "bar", stack: "topics", data: s.data};
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
