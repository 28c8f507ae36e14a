import { useForm } from 'react-hook-form';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { useSession, useSignupOpen } from '../api/queries';
import { useSessionMutations } from '../api/mutations';
import { Loading } from '../components/ui';
import { AuthField, AuthHeading, AuthSubmit } from '../components/AuthForm';

interface Form {
  email: string;
  password: string;
}

/** Only same-site paths are followed after sign-in (no open redirect). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignIn() {
  const session = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { register, handleSubmit, formState } = useForm<Form>({ defaultValues: { email: '', password: '' } });
  const { signIn } = useSessionMutations();
  const signupOpen = useSignupOpen();

  if (session.isPending) return <Loading />;
  if (session.data) return <Navigate to={safeNext(params.get('next'))} replace />;

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={handleSubmit((f) => signIn.mutate(f, { onSuccess: () => navigate(safeNext(params.get('next')), { replace: true }) }))} noValidate>
        <AuthHeading title="Sign in to Slipway" />
        <AuthField label="Email" error={formState.errors.email}>
          <input type="email" autoComplete="username" autoFocus {...register('email', { required: 'Enter your email address.' })} aria-invalid={!!formState.errors.email} />
        </AuthField>
        <AuthField label="Password" error={formState.errors.password}>
          <input type="password" autoComplete="current-password" {...register('password', { required: 'Enter your password.' })} aria-invalid={!!formState.errors.password} />
        </AuthField>
        <AuthSubmit mutation={signIn} label="Sign in" busyLabel="Signing in…" />
        <p className="muted small">
          {signupOpen.data && (
            <>
              New here? <Link to="/signup">Create an account</Link> ·{' '}
            </>
          )}
          <Link to="/plans">See plans and prices</Link>
        </p>
      </form>
    </main>
  );
}
