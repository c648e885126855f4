-- GET pages in turn from a list: WRK_TARGETS is a TSV file of "path<TAB>cookie"
-- (empty cookie: anonymous). Each thread starts at a different line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local requests, next_index = {}, 1

function init(args)
  for _, row in ipairs(common.read_tsv(os.getenv("WRK_TARGETS"))) do
    local headers = {}
    if row[2] and row[2] ~= "" then headers["Cookie"] = row[2] end
    requests[#requests + 1] = wrk.format("GET", row[1], headers)
  end
  assert(#requests > 0, "no targets")
  next_index = (tid or 0) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  common.count(status)
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
