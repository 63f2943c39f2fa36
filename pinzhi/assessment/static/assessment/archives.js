// The trend chart of a quality archive (ASM-11): each month's score (base + the month's
// entries) as a line and its points as bars, from the JSON the page carries in
// #archive-trend-data (a static file, so that the Content-Security-Policy can refuse inline
// scripts).
(function () {
  function draw() {
    var el = document.getElementById("archive-trend");
    var source = document.getElementById("archive-trend-data");
    if (!el || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {trigger: "axis"},
      legend: {bottom: 0},
      grid: {left: 36, right: 36, top: 16, bottom: 48},
      xAxis: {type: "category", data: data.labels},
      yAxis: [
        {type: "value", name: "", scale: true},
        {type: "value", name: "", position: "right"}
      ],
      series: [
        {name: data.score_name, type: "line", data: data.score, smooth: false, symbolSize: 7},
        {name: data.points_name, type: "bar", yAxisIndex: 1, data: data.points, barMaxWidth: 18}
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
