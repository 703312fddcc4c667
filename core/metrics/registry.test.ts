import { expect, test } from "bun:test";
import { MetricsRegistry } from "./registry.ts";

test("renders counters, gauges, histograms and collected families in the text format, sorted by name", () => {
  const r = new MetricsRegistry();
  const requests = r.counter("apiserver_request_total", "Counter of apiserver requests.", ["verb", "code"]);
  requests.labels("GET", "200").inc();
  requests.labels("GET", "200").inc(2);
  requests.labels("POST", "201").inc();
  r.gauge("inflight", 'Requests "in flight"\nnow.').labels().set(4);
  const h = r.histogram("duration_seconds", "Latency.", ["verb"], [0.1, 1]);
  h.labels("GET").observe(0.05);
  h.labels("GET").observe(0.5);
  h.labels("GET").observe(5);
  r.collect(() => [{ name: "a_collected", help: "At scrape time.", type: "gauge", samples: [{ labels: { pod: 'we"ird\\' }, value: 1.5, timestampMs: 1700000000123 }] }]);
  expect(r.render()).toBe([
    "# HELP a_collected At scrape time.",
    "# TYPE a_collected gauge",
    'a_collected{pod="we\\"ird\\\\"} 1.5 1700000000123',
    "# HELP apiserver_request_total Counter of apiserver requests.",
    "# TYPE apiserver_request_total counter",
    'apiserver_request_total{verb="GET",code="200"} 3',
    'apiserver_request_total{verb="POST",code="201"} 1',
    "# HELP duration_seconds Latency.",
    "# TYPE duration_seconds histogram",
    'duration_seconds_bucket{verb="GET",le="0.1"} 1',
    'duration_seconds_bucket{verb="GET",le="1"} 2',
    'duration_seconds_bucket{verb="GET",le="+Inf"} 3',
    'duration_seconds_sum{verb="GET"} 5.55',
    'duration_seconds_count{verb="GET"} 3',
    "# HELP inflight Requests \"in flight\"\\nnow.",
    "# TYPE inflight gauge",
    "inflight 4",
    "",
  ].join("\n"));
});

test("a family is registered once and children need every label value", () => {
  const r = new MetricsRegistry();
  const c = r.counter("x_total", "x", ["a"]);
  expect(() => r.counter("x_total", "again")).toThrow("registered twice");
  expect(() => c.labels()).toThrow("1 label values expected, got 0");
});
