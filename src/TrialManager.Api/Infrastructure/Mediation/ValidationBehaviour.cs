using FluentValidation;
using Mediator;

namespace TrialManager.Api.Infrastructure.Mediation;

/// <summary>Runs the request's validators before its handler and reports every broken rule at once.</summary>
public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        foreach (var validator in validators)
            failures.AddRange((await validator.ValidateAsync(message, ct)).Errors);
        if (failures.Count > 0)
            throw new ValidationException(failures);
        return await next(message, ct);
    }
}
