import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { ApiError, api, type SessionInfo, setCsrfToken } from '../api.ts';

interface SignInForm {
  email: string;
  password: string;
  adminToken: string;
}

/** Operators sign in with email and password; the first time, with the platform admin token. */
export function SignInPage() {
  const [withToken, setWithToken] = useState(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { register, handleSubmit, formState } = useForm<SignInForm>({ defaultValues: { email: '', password: '', adminToken: '' } });
  const signIn = useMutation({
    mutationFn: (form: SignInForm) =>
      api.post<SessionInfo>('/session', withToken ? { adminToken: form.adminToken } : { email: form.email, password: form.password }),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      queryClient.setQueryData(['session'], session);
      // Whoever signs in starts from the tenants they may see, not from the page the last operator left.
      void navigate({ to: '/tenants' });
    },
  });
  const error = signIn.error instanceof ApiError ? signIn.error : null;
  return (
    <main className="mx-auto mt-16 max-w-sm p-4">
      <h1 className="mb-4 text-2xl font-semibold">Sign in to Roster</h1>
      <form onSubmit={handleSubmit((form) => signIn.mutate(form))} noValidate className="card grid gap-3">
        {withToken ? (
          <div>
            <label htmlFor="adminToken" className="label">
              Admin token
            </label>
            <input
              id="adminToken"
              type="password"
              className="input"
              autoComplete="off"
              {...register('adminToken', { required: 'Enter the admin token' })}
            />
            {formState.errors.adminToken ? <p className="field-error">{formState.errors.adminToken.message}</p> : null}
          </div>
        ) : (
          <>
            <div>
              <label htmlFor="email" className="label">
                Email
              </label>
              <input
                id="email"
                type="email"
                className="input"
                autoComplete="username"
                {...register('email', { required: 'Enter your email' })}
              />
              {formState.errors.email ? <p className="field-error">{formState.errors.email.message}</p> : null}
            </div>
            <div>
              <label htmlFor="password" className="label">
                Password
              </label>
              <input
                id="password"
                type="password"
                className="input"
                autoComplete="current-password"
                {...register('password', { required: 'Enter your password' })}
              />
              {formState.errors.password ? <p className="field-error">{formState.errors.password.message}</p> : null}
            </div>
          </>
        )}
        {error ? (
          <p role="alert" className="field-error">
            {error.code === 'TOO_MANY_ATTEMPTS' ? error.message : 'That did not match. Check and try again.'}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary justify-center" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        <button type="button" className="btn justify-center" onClick={() => setWithToken(!withToken)}>
          {withToken ? 'Use email and password' : 'Use the admin token'}
        </button>
      </form>
    </main>
  );
}
