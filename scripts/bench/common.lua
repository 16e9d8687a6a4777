-- Shared by the wrk scripts of scripts/bench-verify.sh: each wrk thread numbers its own
-- requests, so every request has an id no other request of the run has; the figures are
-- printed in one line, as server/examples/card_load.rs prints them.
local M = {}
local threads = 0

-- In wrk's main state: give each thread its number.
function M.setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

local people, label, n = {}, "", 0

function M.init(args)
  for line in io.lines(args[1]) do
    local office, number, birth = line:match("^(%d+)\t(%d+)\t([%d-]+)")
    if office then people[#people + 1] = { office, number, birth } end
  end
  assert(#people > 0, "no recipients in " .. args[1])
  label = args[2] .. "-" .. tostring(thread_no)
end

-- The next recipient (threads start at different ones) and a fresh id.
function M.next()
  n = n + 1
  return people[(n + thread_no * 7) % #people + 1], label .. "-" .. n
end

function M.done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format("requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end

return M
