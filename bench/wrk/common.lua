-- Shared by the riskassess wrk scripts (bench/load.py runs them).
-- Counts response statuses per thread and writes a machine-readable summary
-- to the file named by WRK_OUT when the run is done.
local common = {}

-- Per-thread globals: thread:get() copies them to the main state in done().
counts = {}   -- status code -> responses

function common.read_tsv(path)
  local rows = {}
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in f:lines() do
    if line ~= "" then
      local row = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do row[#row + 1] = field end
      rows[#rows + 1] = row
    end
  end
  f:close()
  return rows
end

function common.count(status)
  counts[status] = (counts[status] or 0) + 1
end

-- The main state keeps every thread so that done() can read their globals.
threads = {}
function setup(thread)
  thread:set("tid", #threads) -- 0-based
  table.insert(threads, thread)
end

-- Summary lines "key=value"; `extra(out)` may append its own lines.
function common.done(summary, latency, extra)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  local out = assert(io.open(assert(os.getenv("WRK_OUT"), "WRK_OUT not set"), "w"))
  local e = summary.errors
  out:write(string.format("requests=%d\nduration_us=%d\nbytes=%d\n",
    summary.requests, summary.duration, summary.bytes))
  out:write(string.format("err_connect=%d\nerr_read=%d\nerr_write=%d\nerr_status=%d\nerr_timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    out:write(string.format("p%s_us=%d\n", tostring(p), latency:percentile(p)))
  end
  out:write(string.format("mean_us=%d\nmax_us=%d\n", latency.mean, latency.max))
  for status, n in pairs(total) do
    out:write(string.format("status_%d=%d\n", status, n))
  end
  if extra then extra(out) end
  out:close()
end

return common
