// k6: the health endpoints under load, against a running stack (make run).
//   make loadtest-health            (BASE_URL defaults to http://127.0.0.1:8000)
// Bounded: a fixed arrival rate for a fixed time, loopback only. Prints k6's summary.
import http from "k6/http";
import { check } from "k6";

const BASE_URL = __ENV.BASE_URL || "http://127.0.0.1:8000";
const RATE = Number(__ENV.RATE || 500);
const DURATION = __ENV.DURATION || "20s";

export const options = {
  scenarios: {
    healthz: {
      executor: "constant-arrival-rate",
      rate: RATE,
      timeUnit: "1s",
      duration: DURATION,
      preAllocatedVUs: 50,
      maxVUs: 200,
      exec: "healthz",
    },
    readyz: {
      executor: "constant-arrival-rate",
      rate: 20,
      timeUnit: "1s",
      duration: DURATION,
      preAllocatedVUs: 5,
      maxVUs: 20,
      exec: "readyz",
    },
  },
  thresholds: {
    "http_req_failed": ["rate<0.01"],
    "http_req_duration{scenario:healthz}": ["p(95)<100"],
    "http_req_duration{scenario:readyz}": ["p(95)<300"],
  },
};

export function healthz() {
  const response = http.get(`${BASE_URL}/healthz`);
  check(response, { "healthz 200": (r) => r.status === 200 });
}

export function readyz() {
  const response = http.get(`${BASE_URL}/readyz`);
  check(response, { "readyz 200": (r) => r.status === 200 });
}
