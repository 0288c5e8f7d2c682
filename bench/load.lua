-- wrk script: random requests from a fixed set, and one JSON line of results at the end.
-- args: "numbers" COUNT TEMPLATE IN_FORCE RECENT_YEAR
--                                  GET TEMPLATE with %s = the number of certificate i
--                                  (0 <= i < COUNT), as bench/data.py numbers them
--       "get" FILE                 GET a random line of FILE (a path)
--       "post" PATH FILE [TOKEN]   POST a random line of FILE (a JSON body) to PATH, with
--                                  Authorization: Bearer TOKEN when given
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end

local mode, count, template, path, in_force, recent_year
local lines = {}
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  math.randomseed(os.time() * 7919 + seed)
  mode = args[1]
  if mode == "numbers" then
    count = tonumber(args[2])
    template = args[3]
    in_force = tonumber(args[4])
    recent_year = tonumber(args[5])
  else
    local file = (mode == "post") and args[3] or args[2]
    path = args[2]
    if mode == "post" and args[4] then headers["Authorization"] = "Bearer " .. args[4] end
    for line in io.lines(file) do
      if #line > 0 then lines[#lines + 1] = line end
    end
  end
end

function request()
  if mode == "numbers" then
    local i = math.random(0, count - 1)
    local number
    if i < in_force then
      number = string.format("CESI%04dEV/IMG1%04d", recent_year, i + 1)
    else
      number = string.format("CESI%04dEV/IMG1%04d", 1900 + math.floor(i / 9999), i % 9999 + 1)
    end
    return wrk.format("GET", string.format(template, number))
  elseif mode == "get" then
    return wrk.format("GET", lines[math.random(#lines)])
  end
  return wrk.format("POST", path, headers, lines[math.random(#lines)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %.1f, "p99_us": %.1f, "max_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
