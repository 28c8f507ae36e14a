// procfile buildpack, bin/compile: nothing to build; the app runs as its Procfile says.
import { detail, entry } from '../../_shared/kit.mjs';

export function main() {
  return entry(async () => {
    detail('Nothing to compile: the Procfile says how to run this app');
  });
}
