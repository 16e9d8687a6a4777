-- wrk script (scripts/bench-verify.sh): POST /onshi/OQSsiquc01req, a レセコン's onshi XML
-- 資格確認 (UTF-8), a fresh ArbitraryFileIdentifier for every request (the server's
-- idempotency key is a hash of the request bytes), the clinic's recipients in turn.
--   wrk ... -H 'Authorization: Bearer …' -s verify_xml.lua URL -- PEOPLE.tsv RUN-LABEL INSTITUTION
local common = dofile(string.gsub(debug.getinfo(1, "S").source, "^@(.*)verify_xml.lua$", "%1common.lua"))

setup = common.setup
done = common.done
local institution

function init(args)
  common.init(args)
  institution = args[3]
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/xml"
end

function request()
  local p, client_id = common.next()
  local body = string.format(
    '<?xml version="1.0" encoding="UTF-8"?><XmlMsg><MessageHeader>' ..
    '<MedicalInstitutionCode>%s</MedicalInstitutionCode>' ..
    '<ArbitraryFileIdentifier>%s</ArbitraryFileIdentifier></MessageHeader><MessageBody>' ..
    '<QualificationConfirmSearchInfo><InsurerNumber>%s</InsurerNumber>' ..
    '<InsuredIdentificationNumber>%s</InsuredIdentificationNumber>' ..
    '<Birthdate>%s</Birthdate></QualificationConfirmSearchInfo></MessageBody></XmlMsg>',
    institution, client_id, p[1], p[2], string.gsub(p[3], "-", ""))
  return wrk.format("POST", "/onshi/OQSsiquc01req", nil, body)
end
