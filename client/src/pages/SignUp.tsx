// Sign-up: offered only while the platform setting signup_enabled is on (the api refuses it
// otherwise); the new account gets a personal organization and is signed in.
import { useForm } from 'react-hook-form';
import { Link, Navigate, useNavigate } from 'react-router';
import { useSession, useSignupOpen } from '../api/queries';
import { useSessionMutations } from '../api/mutations';
import { Loading } from '../components/ui';
import { AuthField, AuthHeading, AuthSubmit } from '../components/AuthForm';

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
          <AuthHeading title="Create your Slipway account" />
          <AuthField label="Email" error={formState.errors.email}>
            <input type="email" autoComplete="username" autoFocus {...register('email', { required: 'Enter your email address.' })} aria-invalid={!!formState.errors.email} />
          </AuthField>
          <AuthField label="Name (optional)">
            <input autoComplete="name" {...register('name', { maxLength: 100 })} />
          </AuthField>
          <AuthField label="Password" error={formState.errors.password}>
            <input type="password" autoComplete="new-password" {...register('password', { required: 'Choose a password.', minLength: { value: 10, message: 'At least 10 characters.' } })} aria-invalid={!!formState.errors.password} />
          </AuthField>
          <AuthSubmit mutation={signUp} label="Create account" busyLabel="Creating your account…" />
          <p className="muted small">
            Already have an account? <Link to="/login">Sign in</Link>
          </p>
        </form>
      ) : (
        <div className="card signin-card" data-testid="signup-closed">
          <AuthHeading title="Sign-up is closed" />
          <p>This Slipway does not take new accounts on its own; ask an administrator to create one for you.</p>
          <p className="muted small">
            <Link to="/login">Sign in</Link>
          </p>
        </div>
      )}
    </main>
  );
}
