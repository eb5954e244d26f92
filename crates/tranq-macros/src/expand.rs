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
        ret_ty,
    } = task;
    let fn_ident = &func.sig.ident;
    let fn_name = fn_ident.unraw().to_string();
    let cfg = cfg_attrs(&func.attrs);

    let name = match &args.name {
        Some(name) => name.clone(),
        None => LitStr::new(&fn_name, fn_ident.span()),
    };
    let options = options(args);
    let handle_struct = handle_struct(task, &name.value());

    // Spans below point errors that only the type checker can find at the user's tokens. They
    // keep call-site hygiene (`located_at`) so the generated locals resolve inside
    // `macro_rules!` too.
    let at = |span: Span| Span::call_site().located_at(span);
    // A `ctx` of the wrong type: "mismatched types" at the declared type.
    let ctx = quote_spanned!(at(ctx_ty.span())=> ctx);
    // A return type that is not a `Result<impl Serialize, impl Into<TaskError>>`: at the type.
    let outcome =
        quote_spanned!(at(ret_ty.span())=> ::tranq::__private::into_outcome(__tranq_result));
    // A future that is not `Send`: at the fn's name.
    let boxed = quote_spanned!(at(fn_ident.span())=> ::std::boxed::Box::pin(async move {
        let __tranq_result = #fn_ident(#ctx, args).await;
        #outcome
    }));
    // Arguments that cannot be stored: at the argument type.
    let assert_args = quote_spanned!(at(args_ty.span())=>
        #(#cfg)*
        const _: () = ::tranq::__private::assert_args::<#args_ty>();
    );

    quote! {
        #func

        #handle_struct

        #(#cfg)*
        impl ::tranq::Task for #handle {
            type Args = #args_ty;
            const NAME: &'static str = #name;
            const OPTIONS: ::tranq::TaskOptions = #options;
            fn run(
                ctx: ::tranq::TaskContext,
                args: <Self as ::tranq::Task>::Args,
            ) -> ::tranq::__private::BoxFuture<'static, ::tranq::TaskResult> {
                #boxed
            }
        }

        #assert_args

        #(#cfg)*
        const _: () = {
            ::tranq::__private::inventory::submit! {
                ::tranq::Registration::of::<#handle>(::core::file!(), ::core::line!())
            }
        };
    }
}

/// `TaskOptions::new()` followed by the setters that were given.
fn options(args: &TaskArgs) -> TokenStream {
    let mut options = quote!(::tranq::TaskOptions::new());
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
fn handle_struct(task: &TaskFn<'_>, name: &str) -> TokenStream {
    let func = task.func;
    let handle = &task.handle;
    let vis = &func.vis;
    let cfg = cfg_attrs(&func.attrs);
    let fn_name = func.sig.ident.unraw().to_string();
    let summary = format!(" Task handle of [`{fn_name}`], generated by `#[tranq::task]`.");
    let detail = format!(
        " Stored as task `{name}`; implements [`tranq::Task`]: enqueue jobs of it, \
         or name it when building a worker's registry."
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
