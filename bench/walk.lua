-- wrk script for bench/load.py: one thread (wrk -t1) walks a list of paths in order, each once,
-- starting again at the top only when the list runs out; or sends one fixed request.
-- wrk calls request() once before the run, to check the script, and does not send what it returns:
-- the first path of a list is taken by that call and never requested.
--
-- Environment:
--   IKG_PATHS      file with one request path a line (walked in order); unset: the URL's path
--   IKG_BODY_FILE  file with the request body (sent as POST); unset: GET
--   IKG_OUT        file the figures are written to, as JSON
-- Headers (Accept, Content-Type) come from wrk's -H.

threads = {}

function setup(thread)
  table.insert(threads, thread)
end

paths = {}
next_path = 1
sent = 0
wraps = 0
fixed = nil

function init(args)
  local list = os.getenv("IKG_PATHS")
  if list then
    for line in io.lines(list) do
      if line ~= "" then
        table.insert(paths, line)
      end
    end
  end
  local body_file = os.getenv("IKG_BODY_FILE")
  if body_file then
    local file = assert(io.open(body_file, "rb"))
    local body = file:read("*a")
    file:close()
    fixed = wrk.format("POST", nil, nil, body)
  elseif #paths == 0 then
    fixed = wrk.format("GET")
  end
end

function request()
  sent = sent + 1
  if fixed then
    return fixed
  end
  if next_path > #paths then
    next_path = 1
    wraps = wraps + 1
  end
  local path = paths[next_path]
  next_path = next_path + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local total_sent, total_wraps = 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_wraps = total_wraps + thread:get("wraps")
  end
  local errors = summary.errors
  local out = assert(io.open(os.getenv("IKG_OUT"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "sent": %d, "wraps": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes, total_sent, total_wraps,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
  out:close()
end
