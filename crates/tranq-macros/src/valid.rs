//! Checks that the item under `#[task]` has the one shape the expansion supports:
//! `async fn name(ctx: TaskContext, args: YourArgs) -> Result<T, E>`.

use heck::ToUpperCamelCase;
use proc_macro2::Span;
use quote::quote;
use syn::ext::IdentExt;
use syn::{FnArg, Ident, ItemFn, ReturnType, Type};

const SHAPE: &str = "`async fn name(ctx: TaskContext, args: YourArgs) -> Result<T, E>` (and, for shared state, a third parameter `State(app): State<App>`)";

/// The parts of a valid task fn that the expansion uses.
pub(crate) struct TaskFn<'a> {
    /// The fn, emitted unchanged.
    pub(crate) func: &'a ItemFn,
    /// The name of the generated handle struct: the fn's name in CamelCase.
    pub(crate) handle: Ident,
    /// Type of the first parameter, expected to be `TaskContext`.
    pub(crate) ctx_ty: &'a Type,
    /// Type of the second parameter: the task's `Args`.
    pub(crate) args_ty: &'a Type,
    /// The type of a third parameter (`State<T>`, under whatever name), when there is one.
    pub(crate) state_ty: Option<&'a Type>,
    /// The declared return type, expected to be a `Result`.
    pub(crate) ret_ty: &'a Type,
}

/// Checks `func`, reporting every problem found, each at the tokens it is about.
pub(crate) fn validate(func: &ItemFn) -> syn::Result<TaskFn<'_>> {
    let sig = &func.sig;
    let mut errors = Errors::default();

    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            "#[task] requires an async fn",
        ));
    }
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            "#[task] fn cannot be `const`",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(syn::Error::new(
            unsafety.span,
            "#[task] fn cannot be `unsafe`: the worker calls it with no way to uphold its contract",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            "#[task] fn cannot have an `extern` ABI",
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "#[task] fn cannot have generic or lifetime parameters: a task has one concrete argument type",
        ));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            where_clause,
            "#[task] fn cannot have a `where` clause",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "#[task] fn cannot be variadic",
        ));
    }

    let handle = handle_ident(func).map_err(|e| errors.push(e)).ok();
    let params = params(func).map_err(|e| errors.push(e)).ok();
    let ret_ty = match &sig.output {
        ReturnType::Type(_, ty) => Some(&**ty),
        ReturnType::Default => {
            errors.push(syn::Error::new(
                sig.paren_token.span.close(),
                format!("#[task] fn must return `Result<T, E>` (T: Serialize, E: Into<tranq::TaskError>): {SHAPE}"),
            ));
            None
        }
    };

    errors.finish()?;
    match (handle, params, ret_ty) {
        (Some(handle), Some((ctx_ty, args_ty, state_ty)), Some(ret_ty)) => Ok(TaskFn {
            func,
            handle,
            ctx_ty,
            args_ty,
            state_ty,
            ret_ty,
        }),
        // Each `None` pushed an error, and `finish` returned it.
        _ => unreachable!("a missing part was reported as an error"),
    }
}

/// The handle struct's name: `send_invoice` -> `SendInvoice`, keeping the fn name's span.
pub(crate) fn handle_ident(func: &ItemFn) -> syn::Result<Ident> {
    let ident = &func.sig.ident;
    let fn_name = ident.unraw().to_string();
    let camel = fn_name.to_upper_camel_case();
    if camel == fn_name {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "#[task] names its handle struct after the fn in CamelCase, which here is `{camel}` itself; \
                 give the fn a snake_case name"
            ),
        ));
    }
    match syn::parse_str::<Ident>(&camel) {
        Ok(handle) => Ok(Ident::new(&handle.to_string(), ident.span())),
        Err(_) => Err(syn::Error::new(
            ident.span(),
            format!("#[task] cannot name a handle struct after `{fn_name}`: rename the fn"),
        )),
    }
}

/// The types of `(ctx, args)`, and `T` of a third parameter `State<T>`.
fn params(func: &ItemFn) -> syn::Result<(&Type, &Type, Option<&Type>)> {
    let inputs = &func.sig.inputs;
    let mut typed = Vec::with_capacity(inputs.len());
    for input in inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new_spanned(
                    receiver,
                    format!("#[task] cannot take `self`: a task is a free function, {SHAPE}"),
                ));
            }
            FnArg::Typed(pat_type) => typed.push(pat_type),
        }
    }
    let (ctx, args, state) = match typed.as_slice() {
        [ctx, args] => (ctx, args, None),
        [ctx, args, state] => (ctx, args, Some(&*state.ty)),
        [_, _, _, extra @ ..] => {
            let extra = quote!(#(#extra),*);
            let too_many = syn::Error::new_spanned(
                extra,
                format!(
                    "#[task] fn takes two parameters, or three with shared state: {SHAPE}; remove {}",
                    if typed.len() == 4 {
                        "this one"
                    } else {
                        "these"
                    }
                ),
            );
            return Err(too_many);
        }
        _ => {
            return Err(syn::Error::new(
                span_of_parens(func),
                format!(
                    "#[task] fn takes two parameters, or three with shared state: {SHAPE}; found {}",
                    typed.len()
                ),
            ));
        }
    };
    let mut errors = Errors::default();
    for (param, what) in [(ctx, "`ctx`"), (args, "`args`")] {
        if let Type::ImplTrait(_) = &*param.ty {
            errors.push(syn::Error::new_spanned(
                &param.ty,
                format!("the {what} parameter of a #[task] fn cannot be `impl Trait`: name a concrete type"),
            ));
        }
    }
    errors.finish()?;
    Ok((&ctx.ty, &args.ty, state))
}

fn span_of_parens(func: &ItemFn) -> Span {
    func.sig.paren_token.span.join()
}

/// Several errors reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(item: &str) -> Result<String, Vec<String>> {
        let func: ItemFn = syn::parse_str(item).map_err(|e| vec![e.to_string()])?;
        match validate(&func) {
            Ok(task) => Ok(task.handle.to_string()),
            Err(e) => Err(e.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    #[test]
    fn accepts_the_task_shape() {
        assert_eq!(
            check("pub async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), E> {}"),
            Ok("SendInvoice".to_owned())
        );
        assert_eq!(
            check("async fn r#type(_: TaskContext, Invoice { id }: Invoice) -> R {}"),
            Ok("Type".to_owned())
        );
    }

    #[test]
    fn reports_every_problem() {
        let Err(all) = check("unsafe fn f<T>(ctx: TaskContext) {}") else {
            panic!("accepted");
        };
        assert_eq!(all.len(), 5, "{all:?}");
        assert_eq!(all[0], "#[task] requires an async fn");
        assert!(all[1].contains("`unsafe`"));
        assert!(all[2].contains("generic"));
        assert!(all[3].contains("found 1"));
        assert!(all[4].contains("must return"));
    }

    #[test]
    fn rejects_camel_case_fn_names() {
        let Err(all) = check("async fn Ping(ctx: C, args: A) -> R {}") else {
            panic!("accepted");
        };
        assert!(all[0].contains("`Ping` itself"), "{all:?}");
    }

    #[test]
    fn rejects_self_and_extra_params() {
        let Err(all) = check("async fn f(&self, ctx: C, args: A) -> R {}") else {
            panic!("accepted");
        };
        assert!(all[0].contains("cannot take `self`"));
        let Err(all) = check("async fn f(ctx: C, args: A, b: B, c: D) -> R {}") else {
            panic!("accepted");
        };
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(all[0].contains("remove this one"), "{all:?}");
        let Err(all) = check("async fn f(ctx: C, args: A, s: State<S>, c: D, e: E) -> R {}") else {
            panic!("accepted");
        };
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(all[0].contains("remove these"));
    }

    #[test]
    fn a_third_parameter_is_taken_as_shared_state() {
        // Its type is checked by the compiler (`FromState`), under any name it was imported as.
        assert!(check("async fn f(ctx: C, args: A, State(app): State<App>) -> R {}").is_ok());
        assert!(check("async fn f(ctx: C, args: A, s: TaskState<App>) -> R {}").is_ok());
    }
}
