-- wrk script (scripts/bench-verify.sh): POST /api/verify/number as a clinic's reception desk,
-- a fresh client_id for every request, the recipients of the clinic's 一括照会 in turn.
--   wrk ... -H 'Cookie: onshi_session=…' -s verify_number.lua URL -- PEOPLE.tsv RUN-LABEL
-- PEOPLE.tsv: 公費負担者番号 TAB 受給者番号 TAB 生年月日 (YYYY-MM-DD), one recipient a line.
local common = dofile(string.gsub(debug.getinfo(1, "S").source, "^@(.*)verify_number.lua$", "%1common.lua"))

setup = common.setup
done = common.done

function init(args)
  common.init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local p, client_id = common.next()
  local body = string.format(
    '{"client_id":"%s","office_number":"%s","recipient_number":"%s","birth_date":"%s"}',
    client_id, p[1], p[2], p[3])
  return wrk.format("POST", "/api/verify/number", nil, body)
end
