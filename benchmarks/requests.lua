-- wrk script: POST pre-signed WeChat pushes, each thread its own share, none sent twice.
-- Usage: wrk -s requests.lua URL -- FILE THREADS   (FILE: one "PATH<TAB>BODY" per line)
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local requests = {}
local index = 0

function init(args)
  local file, threads = args[1], tonumber(args[2])
  local line_number = 0
  for line in io.lines(file) do
    if line_number % threads == id then
      local tab = line:find("\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1), {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
    end
    line_number = line_number + 1
  end
end

function request()
  index = index + 1
  if index > #requests then
    index = 1 -- out of fresh pushes: these repeats come back 403 and show in the report
  end
  return requests[index]
end
