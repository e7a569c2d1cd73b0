/* Dashboard charts (ECharts). The data comes from the page's json_script block
 * (id "dashboard-data": {chart key: [{name, label, value, query}]}); a click on a bar or point
 * opens the request list with that bar's query string, which selects exactly the orders counted. */
(function () {
  "use strict";

  function drillDown(listUrl, query) {
    if (query) {
      window.location.href = listUrl + "?" + query;
    }
  }

  function baseOption(bars) {
    return {
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var full = p.data.fullName && p.data.fullName !== p.name ? p.data.fullName : p.name;
          return echarts.format.encodeHTML(full) + "：" + p.value + " 件" +
            (p.data.query ? "<br><span style=\"color:#888\">点击查看工单</span>" : "");
        }
      },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      series: [],
      _data: bars.map(function (b) {
        var item = { name: b.label, value: b.value, query: b.query, fullName: b.name };
        if (b.none) {
          item.itemStyle = { color: "#adb5bd" };  // the "no category/unit/subdistrict" bucket
        }
        return item;
      })
    };
  }

  function option(type, bars) {
    var opt = baseOption(bars);
    var data = opt._data;
    delete opt._data;
    var names = data.map(function (d) { return d.name; });
    var color = "#0d6efd";
    if (type === "hbar") {
      opt.xAxis = { type: "value", minInterval: 1 };
      opt.yAxis = { type: "category", data: names, inverse: true,
                    axisLabel: { width: 120, overflow: "truncate" } };
      opt.series = [{ type: "bar", data: data, itemStyle: { color: color }, barMaxWidth: 18,
                      label: { show: true, position: "right", fontSize: 11 }, cursor: "pointer" }];
    } else if (type === "line") {
      opt.xAxis = { type: "category", data: names, boundaryGap: false };
      opt.yAxis = { type: "value", minInterval: 1 };
      opt.grid.bottom = 40;
      opt.dataZoom = [{ type: "slider", height: 16, bottom: 6,
                        startValue: Math.max(names.length - 36, 0) }, { type: "inside" }];
      opt.series = [{ type: "line", data: data, itemStyle: { color: color }, symbolSize: 6,
                      cursor: "pointer", areaStyle: { opacity: 0.08 } }];
    } else {
      opt.xAxis = { type: "category", data: names,
                    axisLabel: { interval: 0, rotate: names.length > 6 ? 35 : 0, fontSize: 11 } };
      opt.yAxis = { type: "value", minInterval: 1 };
      opt.series = [{ type: "bar", data: data, itemStyle: { color: color }, barMaxWidth: 28,
                      label: { show: true, position: "top", fontSize: 11 }, cursor: "pointer" }];
    }
    return opt;
  }

  function init() {
    var source = document.getElementById("dashboard-data");
    var config = document.getElementById("dashboard-config");
    if (!source || !config || typeof echarts === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    var listUrl = config.dataset.listUrl;
    var instances = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var bars = charts[el.dataset.chart] || [];
      if (!bars.length) {
        el.classList.add("chart-empty");
        el.textContent = "暂无数据";
        return;
      }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(el.dataset.type, bars));
      chart.on("click", function (p) { drillDown(listUrl, p.data && p.data.query); });
      instances.push(chart);
    });
    window.addEventListener("resize", function () {
      instances.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
