using FluentValidation;
using Mediator;
using TrialManager.Data;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Infrastructure.Mediation;

/// <summary>
/// Runs the request's validators before its handler and reports every broken rule at once; null elements in the
/// request's lists are refused first, so that no validator has to expect them.
/// </summary>
public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        if (NullElements.Find(message) is { Count: > 0 } nulls)
            throw ProblemException.Invalid(nulls);
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        foreach (var validator in validators)
            failures.AddRange((await validator.ValidateAsync(message, ct)).Errors);
        if (failures.Count > 0)
            throw new ValidationException(failures);
        // Every change's reason is stored with its audit events, whatever the command's own validator says about it.
        if (message is IHasReason { Reason.Length: > Limits.Reason })
            throw ProblemException.Invalid("reason", "max-length", $"A reason is at most {Limits.Reason} characters.");
        return await next(message, ct);
    }
}
