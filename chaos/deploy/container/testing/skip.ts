// When container tests run: with MQLAB_CONTAINER_TESTS set (CI, after `just docker-up`) they
// must run and an absent engine is a failure; without it they run when an engine answers and
// are skipped, saying why, when none does.
import { engineAnswers } from "../engine.ts";

export async function containerTestsSkip(): Promise<string | false> {
  if (process.env.MQLAB_CONTAINER_TESTS) return false;
  if (await engineAnswers()) return false;
  return "no Docker engine answers (start one with `npx just docker-up`, or set DOCKER_HOST); set MQLAB_CONTAINER_TESTS=1 to make this a failure";
}
