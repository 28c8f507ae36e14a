// Sign-up: offered only while the platform setting signup_enabled is on (the api refuses it
// otherwise); the new account gets a personal organization and is signed in.
import { useForm } from 'react-hook-form';
import { Link, Navigate, useNavigate } from 'react-router';
import { Logo } from '../components/Logo';
import { useSession, useSignupOpen } from '../api/queries';
import { useSessionMutations } from '../api/mutations';
import { ErrorNote, Loading } from '../components/ui';

interface Form {
  email: string;
  name: string;
  password: string;
}

export function SignUp() {
  const session = useSession();
  const open = useSignupOpen();
  const navigate = useNavigate();
  const { signUp } = useSessionMutations();
  const { register, handleSubmit, formState } = useForm<Form>({ defaultValues: { email: '', name: '', password: '' } });

  if (session.isPending || open.isPending) return <Loading />;
  if (session.data) return <Navigate to="/" replace />;

  return (
    <main className="signin" id="main">
      {open.data ? (
        <form className="card signin-card" onSubmit={handleSubmit((f) => signUp.mutate({ email: f.email.trim(), password: f.password, ...(f.name.trim() ? { name: f.name.trim() } : {}) }, { onSuccess: () => navigate('/', { replace: true }) }))} noValidate>
          <h1>
            <Logo size={26} /> Create your Slipway account
          </h1>
          <label className="field">
            <span>Email</span>
            <input type="email" autoComplete="username" autoFocus {...register('email', { required: 'Enter your email address.' })} aria-invalid={!!formState.errors.email} />
            {formState.errors.email && <small className="field-error">{formState.errors.email.message}</small>}
          </label>
          <label className="field">
            <span>Name (optional)</span>
            <input autoComplete="name" {...register('name', { maxLength: 100 })} />
          </label>
          <label className="field">
            <span>Password</span>
            <input type="password" autoComplete="new-password" {...register('password', { required: 'Choose a password.', minLength: { value: 10, message: 'At least 10 characters.' } })} aria-invalid={!!formState.errors.password} />
            {formState.errors.password && <small className="field-error">{formState.errors.password.message}</small>}
          </label>
          <ErrorNote error={signUp.error} />
          <button type="submit" className="btn btn-primary btn-block" disabled={signUp.isPending}>
            {signUp.isPending ? 'Creating your account…' : 'Create account'}
          </button>
          <p className="muted small">
            Already have an account? <Link to="/login">Sign in</Link>
          </p>
        </form>
      ) : (
        <div className="card signin-card" data-testid="signup-closed">
          <h1>
            <Logo size={26} /> Sign-up is closed
          </h1>
          <p>This Slipway does not take new accounts on its own; ask an administrator to create one for you.</p>
          <p className="muted small">
            <Link to="/login">Sign in</Link>
          </p>
        </div>
      )}
    </main>
  );
}
