-- wrk script: each command once. args: FILE THREADS TOKEN
-- FILE has one request a line, "PATH<tab>JSON BODY", POSTed with Authorization: Bearer TOKEN.
-- Thread k (1-based) takes lines k, k + THREADS, ...; once all its lines are answered it
-- stops, so a command on a certificate is made once and never repeated into a 409.
-- (Its own file: a script defining response() makes wrk parse every answer, which would
-- slow the read measurements of load.lua.)
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

local lines, sent, answered = {}, 0, 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  local step = tonumber(args[2])
  headers["Authorization"] = "Bearer " .. args[3]
  local n = 0
  for line in io.lines(args[1]) do
    n = n + 1
    if #line > 0 and (n - seed) % step == 0 then lines[#lines + 1] = line end
  end
end

function request()
  sent = sent + 1
  local line = lines[sent]
  if line == nil then return wrk.format("GET", "/healthz") end -- until the thread stops
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", line:sub(1, tab - 1), headers, line:sub(tab + 1))
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= #lines then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %.1f, "p99_us": %.1f, "max_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
