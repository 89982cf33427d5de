using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Trials;

/// <summary>
/// The trial manager edits the trial's description, its arms while in set-up, and moves its status one step
/// forward with a reason. Fields left out of the body keep their values.
/// </summary>
public static class UpdateTrial
{
    public sealed record Command(string? Title, string? Registration, IReadOnlyList<ArmInput>? Arms, TrialStatus? Status, string? Reason,
        bool? OverrideOpenQueries = null)
        : ICommand<TrialView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.ManageTrial;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Title).IsTitle().When(c => c.Title is not null);
            RuleFor(c => c.Registration).MaximumLength(Limits.Code);
            RuleFor(c => c.Arms).AreArms().When(c => c.Arms is not null);
            RuleFor(c => c.Reason).IsReason();
            RuleFor(c => c.Reason).NotEmpty().When(c => c.Status is not null)
                .WithErrorCode("required-for-status-change").WithMessage("A status change needs a reason.");
        }
    }

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock) : ICommandHandler<Command, TrialView>
    {
        public async ValueTask<TrialView> Handle(Command command, CancellationToken ct)
        {
            var trial = await db.Trials.Include(t => t.Arms).SingleAsync(t => t.Id == command.TrialId, ct);
            var now = clock.GetUtcNow();
            if (command.Title is not null)
                trial.Title = command.Title;
            if (command.Registration is not null)
                trial.Registration = command.Registration;
            if (command.Arms is not null)
                ReplaceArms(trial, command.Arms, now);
            if (command.Status is { } status && status != trial.Status)
            {
                if (!TrialStatusRules.CanMove(trial.Status, status))
                    throw ProblemException.Conflict(
                        $"A trial moves setup → recruiting → follow-up → locked one step at a time; it cannot go from {Word(trial.Status)} to {Word(status)}.");
                if (status == TrialStatus.Locked)
                    await LockDataAsync(trial.Id, command.OverrideOpenQueries == true, ct);
                trial.Status = status;
                trial.StatusChangedAt = now;
            }
            return TrialView.Of(trial);
        }

        /// <summary>
        /// Database lock: refused while a data query is open (unless explicitly overridden, with the reason the status
        /// change already carries); every assessment becomes locked.
        /// </summary>
        private async Task LockDataAsync(Guid trialId, bool overrideOpenQueries, CancellationToken ct)
        {
            var open = await db.DataQueries.CountAsync(q => q.TrialId == trialId && q.Status != "closed", ct);
            if (open > 0 && !overrideOpenQueries)
                throw ProblemException.Conflict($"{open} data quer{(open == 1 ? "y is" : "ies are")} still open: close them, or lock with overrideOpenQueries: true.");
            foreach (var assessment in await db.Assessments.Where(a => a.TrialId == trialId && a.Status != "locked").ToListAsync(ct))
            {
                assessment.Status = "locked";
                assessment.Revision++;
            }
        }

        private void ReplaceArms(Trial trial, IReadOnlyList<ArmInput> arms, DateTimeOffset now)
        {
            if (!TrialStatusRules.ArmsEditable(trial.Status))
                throw ProblemException.Conflict("Arms can change only while the trial is in set-up.");
            db.TrialArms.RemoveRange(trial.Arms);
            trial.Arms.Clear();
            var replacement = arms.Select((arm, i) => new TrialArm
            {
                Id = Guid.CreateVersion7(now), TrialId = trial.Id, Code = arm.Code!, Label = arm.Label!, Ratio = arm.Ratio!.Value, Position = i,
            }).ToList();
            db.TrialArms.AddRange(replacement); // EF adds them to trial.Arms too (relationship fix-up)
        }

        private static string Word(TrialStatus status) => Data.Conventions.KebabCaseEnumConverter<TrialStatus>.ToWord(status);
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPatch("/trials/{trialId:guid}", async (Guid trialId, Command command, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(command with { TrialId = trialId }, ct)))
            .WithName("UpdateTrial")
            .WithSummary("Update a trial or move its status one step forward (trial manager)")
            .TrialWrite();
}
