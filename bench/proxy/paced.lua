-- wrk pacing for the fixed-rate run: each connection waits PACE_MS (default 10) between the response
-- and its next request, so C connections send about C * 1000 / (PACE_MS + latency) requests per second
-- (10 connections, 10 ms: ~1000 req/s). wrk times each request from its write to its response, at
-- microsecond resolution, so the wait is not part of the latency it reports.
local pace = tonumber(os.getenv("PACE_MS") or "10")

function delay()
  return pace
end
