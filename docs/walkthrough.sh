#!/usr/bin/env bash
# A whole second-level complaint (Case A of the domain notes) carried through the API by the demo
# users, from the petition to the published decision. Needs curl and python3; the server from
# `make run` (BASE=http://127.0.0.1:8000 by default).
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8000}
EX=$(cd "$(dirname "$0")" && pwd)/examples
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -u "$1:demo" -H 'Content-Type: application/json' -d "@$EX/$2.json" "$BASE$3"; }

# 1. Reception registers the petition: the case number and the legal deadlines are computed.
#    Run a second time, the same petition is found already registered (409 duplicate_petition, the
#    cases listed): the officer then confirms, and the new case's trail records that choice.
START=/api/processes/complaint_second_level/instances
ANSWER=$(curl -s -u reception:demo -H 'Content-Type: application/json' -d "@$EX/register_petition.json" \
         -w '\n%{http_code}' "$BASE$START")
if [ "${ANSWER##*$'\n'}" = 409 ]; then
  echo "${ANSWER%$'\n'*}" | json '["message"]'
  ANSWER=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); b["confirm_duplicate"]=True; print(json.dumps(b))' \
             "$EX/register_petition.json" \
           | curl -s -u reception:demo -H 'Content-Type: application/json' -d @- -w '\n%{http_code}' "$BASE$START")
fi
[ "${ANSWER##*$'\n'}" = 201 ] || { echo "${ANSWER%$'\n'*}" >&2; exit 1; }
CASE=$(echo "${ANSWER%$'\n'*}" | json '["id"]')
curl -sf -u auditor:demo "$BASE/api/instances/$CASE" \
  | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["case_number"], c["deadlines"])'

# 2–5. Each officer finds the task in their inbox and completes it with the form data.
for step in review_acceptance:resolver assign_verification:resolver verify_complaint:verifier \
            record_dialogue:verifier submit_verification_report:verifier issue_decision:resolver \
            send_decision:clerk publish_decision:clerk; do
  task=${step%%:*}; user=${step##*:}
  TASK=$(curl -sf -u "$user:demo" "$BASE/api/tasks?mine=1" \
         | python3 -c "import json,sys; print([t['id'] for t in json.load(sys.stdin)['items'] if t['instance_id']==$CASE and t['bpmn_id']=='$task'][0])")
  post "$user" "$task" "/api/tasks/$TASK/complete" | json '["status"]' | sed "s/^/$task by $user: /"
done

# 6. The auditor reads the outcome and the audit trail with its hash-chain check.
curl -sf -u auditor:demo "$BASE/api/instances/$CASE" | json '["outcome"]'
curl -sf -u auditor:demo "$BASE/api/instances/$CASE/history" | json '["chain"]'
