import { useForm } from 'react-hook-form';
import { Link } from 'react-router';
import { usePlans } from '../api/queries';
import { useAppMutations } from '../api/mutations';
import { GitInstructions } from '../components/GitInstructions';
import { ErrorNote, Loading } from '../components/ui';
import { appNameProblem } from '../lib/app-name';
import { canDeploy, useCurrentOrg } from '../lib/current-org';
import { perHour, perMonth } from '../lib/money';

interface Form {
  name: string;
  organization: string;
  plan: string;
}

export function CreateApp() {
  const { org, orgs } = useCurrentOrg();
  const plans = usePlans();
  const creatable = orgs.filter((o) => canDeploy(o.role));
  const defaultPlan = plans.data?.find((p) => p.default)?.name ?? plans.data?.[0]?.name ?? '';
  const { register, handleSubmit, watch, formState } = useForm<Form>({
    mode: 'onChange',
    values: { name: '', organization: org && canDeploy(org.role) ? org.id : (creatable[0]?.id ?? ''), plan: defaultPlan },
    resetOptions: { keepDirtyValues: true },
  });
  const { create } = useAppMutations();
  const name = watch('name');
  const planName = watch('plan');

  if (create.data) {
    const app = create.data;
    return (
      <section className="narrow" aria-labelledby="created-title">
        <h1 id="created-title">
          <span className="app-name">{app.name}</span> is ready for code
        </h1>
        <p>Push your code with git and Slipway builds and runs it at <a href={app.web_url}>{app.web_url}</a>.</p>
        <GitInstructions app={app} />
        <p>
          <Link className="btn btn-primary" to={`/app/${encodeURIComponent(app.name)}/deploy`}>
            Go to {app.name}
          </Link>
        </p>
      </section>
    );
  }

  if (plans.isPending) return <Loading />;
  if (creatable.length === 0) return <ErrorNote error={new Error('Your role does not allow creating apps in any of your organizations (it needs member or above).')} />;
  const problem = appNameProblem(name.trim());

  return (
    <section className="narrow" aria-labelledby="create-title">
      <h1 id="create-title">Create an app</h1>
      <form onSubmit={handleSubmit((f) => create.mutate({ name: f.name.trim() || undefined, organization: f.organization, plan: f.plan || undefined }))} noValidate className="card">
        <label className="field">
          <span>App name</span>
          <input
            {...register('name', { validate: (v) => appNameProblem(v.trim()) ?? true })}
            autoFocus
            autoComplete="off"
            spellCheck={false}
            placeholder="my-app (leave empty to get a generated name)"
            aria-invalid={!!problem}
            aria-describedby="name-help"
          />
          <small id="name-help" className={problem ? 'field-error' : 'muted'} aria-live="polite">
            {problem ?? (name.trim() ? 'Looks good.' : 'Lowercase letters, digits and dashes; 2–30 characters; starts with a letter.')}
          </small>
        </label>

        {creatable.length > 1 && (
          <label className="field">
            <span>Organization</span>
            <select {...register('organization')}>
              {creatable.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        )}

        <fieldset className="field plans-choice">
          <legend>Plan</legend>
          {plans.error && <ErrorNote error={plans.error} />}
          {plans.data?.map((p) => (
            <label key={p.id} className={`plan-option ${planName === p.name ? 'selected' : ''}`} data-plan={p.name}>
              <input type="radio" value={p.name} {...register('plan')} />
              <span className="plan-name">{p.name}</span>
              <span className="plan-spec muted small">
                {p.cpu} vCPU · {p.ram_mb} MB RAM · up to {p.max_replicas} per process type
              </span>
              <span className="plan-price">
                {perHour(p.price_per_hour)} <span className="muted">· {perMonth(p.price_per_month)}</span>
              </span>
            </label>
          ))}
        </fieldset>

        <ErrorNote error={create.error} />
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !!problem || !formState.isValid}>
          {create.isPending ? 'Creating…' : 'Create app'}
        </button>
      </form>
    </section>
  );
}
