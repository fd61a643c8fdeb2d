-- wrk script: POST pre-signed WeChat pushes, each thread its own share, none sent twice.
-- Usage: wrk -s requests.lua URL -- FILE THREADS   (FILE: one "PATH<TAB>BODY" per line)
--
-- A thread that has sent all its pushes stops (wrk.thread:stop()) instead of replaying
-- them; it reports ran_out=1 and the benchmark discards the round and runs it again with
-- more pushes (wrk's req/s would be wrong: it divides by the full duration).
-- Every response's status is counted, and 200 responses whose body is "success" (no
-- reply: the handler did not run or its reply was lost) are counted apart.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local requests = {}
local index = 0
sent = 0
ran_out = 0
statuses = {}
empty_replies = 0

function init(args)
  local file, count = args[1], tonumber(args[2])
  local line_number = 0
  for line in io.lines(file) do
    if line_number % count == id then
      local tab = line:find("\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1), {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
    end
    line_number = line_number + 1
  end
end

function request()
  index = index + 1
  if index > #requests then
    ran_out = 1
    wrk.thread:stop()
    -- wrk still wants a request; its response is never read once the thread stops.
    return wrk.format("GET", "/__bench_out_of_pushes__")
  end
  sent = index
  return requests[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 and body == "success" then
    empty_replies = empty_replies + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH summary requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
  for _, thread in ipairs(threads) do
    local parts = {}
    for status, n in pairs(thread:get("statuses") or {}) do
      parts[#parts + 1] = string.format("%s:%d", status, n)
    end
    io.write(string.format("BENCH thread id=%d sent=%d ran_out=%d empty_replies=%d statuses=%s\n",
      thread:get("id"), thread:get("sent"), thread:get("ran_out"), thread:get("empty_replies"),
      table.concat(parts, ",")))
  end
end
