using FluentValidation;
using Mediator;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Trials;

/// <summary>A system admin creates a trial in `setup`; creating it grants nobody a role in it.</summary>
public static class CreateTrial
{
    public sealed record Command(string? Code, string? Title, string? Registration, IReadOnlyList<ArmInput>? Arms, string? Reason)
        : ICommand<TrialView>, IHasReason;

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Code).IsCode();
            RuleFor(c => c.Title).IsTitle();
            RuleFor(c => c.Registration).MaximumLength(Limits.Code);
            RuleFor(c => c.Arms).AreArms();
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock) : ICommandHandler<Command, TrialView>
    {
        public ValueTask<TrialView> Handle(Command command, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var trial = new Trial
            {
                Id = Guid.CreateVersion7(now),
                Code = command.Code!,
                Title = command.Title!,
                Registration = command.Registration,
                Status = TrialStatus.Setup,
                StatusChangedAt = now,
                CreatedAt = now,
            };
            trial.Arms.AddRange(command.Arms!.Select((arm, i) => new TrialArm
            {
                Id = Guid.CreateVersion7(now), TrialId = trial.Id, Code = arm.Code!, Label = arm.Label!, Ratio = arm.Ratio!.Value, Position = i,
            }));
            db.Trials.Add(trial);
            return ValueTask.FromResult(TrialView.Of(trial));
        }
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/trials", async (Command command, IMediator mediator, CancellationToken ct) =>
            {
                var trial = await mediator.Send(command, ct);
                return TypedResults.Created($"/api/v1/trials/{trial.Id}", trial);
            })
            .RequireAuthorization(AccessPolicies.SystemAdmin)
            .WithName("CreateTrial")
            .WithSummary("Create a trial (system admin)")
            .ProducesErrors(400, 403, 409, 413, 415, 422);
}
