import { Logo } from '../components/Logo';
import { useForm } from 'react-hook-form';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { useSession, useSignupOpen } from '../api/queries';
import { useSessionMutations } from '../api/mutations';
import { ErrorNote, Loading } from '../components/ui';

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
        <h1>
          <Logo size={26} /> Sign in to Slipway
        </h1>
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="username" autoFocus {...register('email', { required: 'Enter your email address.' })} aria-invalid={!!formState.errors.email} />
          {formState.errors.email && <small className="field-error">{formState.errors.email.message}</small>}
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" autoComplete="current-password" {...register('password', { required: 'Enter your password.' })} aria-invalid={!!formState.errors.password} />
          {formState.errors.password && <small className="field-error">{formState.errors.password.message}</small>}
        </label>
        <ErrorNote error={signIn.error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
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
