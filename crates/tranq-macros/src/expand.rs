//! What `#[task]` expands to: the fn unchanged, its handle struct, the `Task` impl and the
//! `inventory` registration; or, when something is wrong, the fn and the errors.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, ItemFn, LitStr};

use crate::args::TaskArgs;
use crate::valid::{self, TaskFn};

/// Environment variable that makes the macro print each expansion to stderr.
const DEBUG_ENV: &str = "TRANQ_MACROS_DEBUG";

/// The whole macro: parse, check, expand (or fall back), and trace when asked to.
pub(crate) fn task(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "#[task] goes on `async fn name(ctx: TaskContext, args: YourArgs) -> Result<T, E>`",
            )
            .into_compile_error();
            return quote!(#item #error);
        }
    };

    let args = syn::parse2::<TaskArgs>(attr);
    let output = match (valid::validate(&func), args) {
        (Ok(task), Ok(args)) => expand(&task, &args),
        // The fn itself is fine: expand with default options so that code using the handle
        // does not add "cannot find" errors to the one that matters.
        (Ok(task), Err(error)) => {
            let expanded = expand(&task, &TaskArgs::default());
            let error = error.into_compile_error();
            quote!(#expanded #error)
        }
        (Err(mut error), args) => {
            if let Err(args_error) = args {
                error.combine(args_error);
            }
            fallback(&func, error)
        }
    };
    trace(&func, &output);
    output
}

/// The fn, the handle struct, its `Task` impl, the argument check and the registration.
fn expand(task: &TaskFn<'_>, args: &TaskArgs) -> TokenStream {
    let TaskFn {
        func,
        handle,
        ctx_ty,
        args_ty,
        state_ty,
        ret_ty,
    } = task;
    let fn_ident = &func.sig.ident;
    let fn_name = fn_ident.unraw().to_string();
    let cfg = cfg_attrs(&func.attrs);

    let name = match &args.name {
        Some(name) => name.clone(),
        None => LitStr::new(&fn_name, fn_ident.span()),
    };
    let krate = match &args.krate {
        Some(path) => quote!(#path),
        None => quote!(::tranq),
    };
    let options = options(args, &krate);
    let handle_struct = handle_struct(task, &name.value(), &krate);

    // Spans below point errors that only the type checker can find at the user's tokens. They
    // keep call-site hygiene (`located_at`) so the generated locals resolve inside
    // `macro_rules!` too.
    let at = |span: Span| Span::call_site().located_at(span);
    // A `ctx` of the wrong type: "mismatched types" at the declared type.
    let ctx = quote_spanned!(at(ctx_ty.span())=> ctx);
    // A return type that is not a `Result<impl Serialize, impl Into<TaskError>>`: at the type.
    let krate_at_ret = respanned(&krate, at(ret_ty.span()));
    let outcome =
        quote_spanned!(at(ret_ty.span())=> #krate_at_ret::__private::into_outcome(__tranq_result));
    // A future that is not `Send`: at the fn's name. With shared state, the state is taken
    // from the context first; a worker checks at build time that it has it, so a missing one
    // (a registry built by hand) fails the attempt with the fix, never a panic.
    let boxed = match state_ty {
        None => quote_spanned!(at(fn_ident.span())=> ::std::boxed::Box::pin(async move {
            let __tranq_result = #fn_ident(#ctx, args).await;
            #outcome
        })),
        Some(param_ty) => {
            // A parameter that is not a `State<T>`: "not `FromState`", at its type.
            let krate = respanned(&krate, at(param_ty.span()));
            let value = quote_spanned!(at(param_ty.span())=>
                <#param_ty as #krate::__private::FromState>::Value);
            let wrap = quote_spanned!(at(param_ty.span())=>
                <#param_ty as #krate::__private::FromState>::from_value);
            quote_spanned!(at(fn_ident.span())=> {
                let ::core::option::Option::Some(__tranq_state) = ctx.state::<#value>() else {
                    return ::std::boxed::Box::pin(::core::future::ready(::core::result::Result::Err(
                        #krate::__private::missing_state(<Self as #krate::Task>::NAME, ::core::any::type_name::<#value>()),
                    )));
                };
                ::std::boxed::Box::pin(async move {
                    let __tranq_result = #fn_ident(#ctx, args, #wrap(__tranq_state)).await;
                    #outcome
                })
            })
        }
    };
    let state_const = state_ty.map(|param_ty| {
        let krate = respanned(&krate, at(param_ty.span()));
        let value = quote_spanned!(at(param_ty.span())=>
            <#param_ty as #krate::__private::FromState>::Value);
        quote!(const STATE: ::core::option::Option<#krate::StateType> =
            ::core::option::Option::Some(#krate::StateType::of::<#value>());)
    });
    // `fn unique_key` / `fn concurrency_key`: the key made of the named fields' values.
    let key_fn = |method: &str, fields: &Vec<syn::Ident>| {
        let method = syn::Ident::new(method, Span::call_site());
        let names = fields.iter().map(|f| f.unraw().to_string());
        quote! {
            fn #method(args: &Self::Args) -> ::core::option::Option<::std::string::String> {
                #krate::__private::key_of_fields(&[#(
                    (#names, #krate::__private::to_json_text(&args.#fields)),
                )*])
            }
        }
    };
    let unique_fn = args
        .unique
        .as_ref()
        .map(|fields| key_fn("unique_key", fields));
    let concurrency_key_fn = args
        .concurrency_key
        .as_ref()
        .map(|fields| key_fn("concurrency_key", fields));
    let cron = args.cron.as_ref().map(|expr| {
        let timezone = args
            .timezone
            .clone()
            .unwrap_or_else(|| LitStr::new("UTC", expr.span()));
        // Arguments without a `Default`: at the cron literal.
        let default_args = quote_spanned!(expr.span()=>
            <#args_ty as ::core::default::Default>::default());
        quote! {
            const CRON: ::core::option::Option<(&'static str, &'static str)> =
                ::core::option::Option::Some((#expr, #timezone));
            fn cron_args() -> ::core::option::Option<Self::Args> {
                ::core::option::Option::Some(#default_args)
            }
        }
    });
    // Arguments that cannot be stored: at the argument type.
    let krate_at_args = respanned(&krate, at(args_ty.span()));
    let assert_args = quote_spanned!(at(args_ty.span())=>
        #(#cfg)*
        const _: () = #krate_at_args::__private::assert_args::<#args_ty>();
    );

    quote! {
        #func

        #handle_struct

        #(#cfg)*
        impl #krate::Task for #handle {
            type Args = #args_ty;
            const NAME: &'static str = #name;
            const OPTIONS: #krate::TaskOptions = #options;
            #state_const
            #unique_fn
            #concurrency_key_fn
            #cron
            fn run(
                ctx: #krate::TaskContext,
                args: <Self as #krate::Task>::Args,
            ) -> #krate::__private::BoxFuture<'static, #krate::TaskResult> {
                #boxed
            }
        }

        #(#cfg)*
        impl #handle {
            /// Options for one enqueue (delay, run_at, priority, queue, max_attempts, tags),
            /// then `.enqueue_in(conn, args)`.
            #[allow(dead_code)]
            pub fn builder() -> #krate::JobBuilder<Self> {
                #krate::JobBuilder::new()
            }

            /// Inserts one job with the task's defaults on `conn`, a connection or transaction
            /// of an enabled adapter (see `tranq::Executor`); returns its id.
            #[allow(dead_code)]
            pub fn enqueue_in<C, Via>(
                conn: C,
                args: #args_ty,
            ) -> <C as #krate::Executor<Via>>::Output<#krate::JobId>
            where
                C: #krate::Executor<Via>,
            {
                <Self as #krate::Enqueue>::enqueue_in(conn, args)
            }

            /// Inserts many jobs in one statement; returns their ids in order.
            #[allow(dead_code)]
            pub fn enqueue_many_in<C, Via>(
                conn: C,
                args: impl ::core::iter::IntoIterator<Item = #args_ty>,
            ) -> <C as #krate::Executor<Via>>::Output<::std::vec::Vec<#krate::JobId>>
            where
                C: #krate::Executor<Via>,
            {
                <Self as #krate::Enqueue>::enqueue_many_in(conn, args)
            }

            /// This task every `period`, for `WorkerBuilder::periodic(.., args)`.
            #[allow(dead_code)]
            pub fn every(period: ::core::time::Duration) -> #krate::Periodic<Self> {
                <Self as #krate::Enqueue>::every(period)
            }

            /// This task on a cron schedule in UTC (seconds first), for
            /// `WorkerBuilder::periodic(.., args)`.
            #[allow(dead_code)]
            pub fn cron(expr: &str) -> #krate::Result<#krate::Periodic<Self>> {
                <Self as #krate::Enqueue>::cron(expr)
            }
        }

        #assert_args

        #(#cfg)*
        const _: () = {
            #krate::__private::inventory::submit! {
                #krate::Registration::of::<#handle>(::core::file!(), ::core::line!())
            }
        };
    }
}

/// `TaskOptions::new()` followed by the setters that were given.
fn options(args: &TaskArgs, krate: &TokenStream) -> TokenStream {
    let mut options = quote!(#krate::TaskOptions::new());
    if let Some(queue) = &args.queue {
        options.extend(quote!(.queue(#queue)));
    }
    if let Some(attempts) = &args.max_attempts {
        let value = spanned(Literal::u32_unsuffixed(attempts.value), attempts.span);
        options.extend(quote!(.max_attempts(#value)));
    }
    if let Some(priority) = &args.priority {
        let value = spanned(Literal::i16_unsuffixed(priority.value), priority.span);
        options.extend(quote!(.priority(#value)));
    }
    if let Some(timeout) = &args.timeout {
        let duration = timeout.value;
        let duration = match u64::try_from(duration.as_millis()) {
            Ok(millis) if duration.subsec_nanos() % 1_000_000 == 0 => {
                let millis = spanned(Literal::u64_unsuffixed(millis), timeout.span);
                quote!(::core::time::Duration::from_millis(#millis))
            }
            _ => {
                let secs = spanned(Literal::u64_unsuffixed(duration.as_secs()), timeout.span);
                let nanos = spanned(
                    Literal::u32_unsuffixed(duration.subsec_nanos()),
                    timeout.span,
                );
                quote!(::core::time::Duration::new(#secs, #nanos))
            }
        };
        options.extend(quote!(.timeout(#duration)));
    }
    options
}

/// The unit struct `SendInvoice`, with the fn's visibility and `cfg`s.
fn handle_struct(task: &TaskFn<'_>, name: &str, krate: &TokenStream) -> TokenStream {
    let func = task.func;
    let handle = &task.handle;
    let vis = &func.vis;
    let cfg = cfg_attrs(&func.attrs);
    let fn_name = func.sig.ident.unraw().to_string();
    let summary = format!(" Task handle of [`{fn_name}`], generated by `#[tranq::task]`.");
    let krate = krate.to_string().replace(' ', "");
    let detail = format!(
        " Stored as task `{name}`; implements [`{krate}::Task`]. Enqueue jobs of it with \
         `{handle}::enqueue_in(conn, args)` inside your transaction, or name it when building \
         a worker's registry."
    );
    quote! {
        #(#cfg)*
        #[doc = #summary]
        #[doc = ""]
        #[doc = #detail]
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::default::Default,
        )]
        #vis struct #handle;
    }
}

/// Output when the fn is wrong: the fn as written (it still type-checks on its own), the bare
/// handle struct when it can be named (so that uses of it add no "cannot find" errors), and the
/// errors.
fn fallback(func: &ItemFn, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    // A fn taking `self` sits in an `impl`, where a struct cannot go.
    let in_impl = func.sig.receiver().is_some();
    let handle = valid::handle_ident(func)
        .ok()
        .filter(|_| !in_impl)
        .map(|handle| {
            let vis = &func.vis;
            let cfg = cfg_attrs(&func.attrs);
            let doc = format!(
                " Task handle of [`{}`] (not generated: see the error).",
                func.sig.ident.unraw()
            );
            quote! {
                #(#cfg)*
                #[doc = #doc]
                #[allow(dead_code)]
                #vis struct #handle;
            }
        });
    quote!(#func #handle #error)
}

/// `#[cfg(...)]` attributes of the fn, repeated on every generated item.
fn cfg_attrs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .collect()
}

/// `tokens` with every token at `span`, so that an error in code naming the crate points where
/// the rest of that code does.
fn respanned(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respanned(&group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

fn spanned(mut literal: Literal, span: Span) -> Literal {
    literal.set_span(span);
    literal
}

/// Prints the expansion when `TRANQ_MACROS_DEBUG=1`.
fn trace(func: &ItemFn, output: &TokenStream) {
    if std::env::var_os(DEBUG_ENV).is_some_and(|v| v == "1") {
        eprintln!(
            "#[tranq::task] on `{}` expands to:\n{}\n",
            func.sig.ident, output
        );
    }
}
