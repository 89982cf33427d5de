using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Trials;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Randomisation;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// The trial manager records a break of the blind: an emergency for one cluster or participant, or the planned
/// unblinding (no cluster or participant) once the trial is locked. The user it names sees what it unblinds from
/// then on. The record is audited, and redacted for blinded readers.
/// </summary>
public static class Unblind
{
    public sealed record Command(Guid? ClusterId, Guid? ParticipantId, Guid? UserId, string? Kind, string? Reason)
        : ICommand<UnblindingView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.Unblind;
    }

    public sealed record UnblindingView(Guid Id, Guid? ClusterId, Guid? ParticipantId, Guid? UserId, string Kind, string Reason,
        DateTimeOffset UnblindedAt, Guid UnblindedBy);

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Reason).NotEmpty().WithErrorCode("required-for-unblinding").WithMessage("An unblinding needs a reason.").IsReason();
            RuleFor(c => c.ParticipantId).Null().When(c => c.ClusterId is not null)
                .WithMessage("An unblinding names a cluster or a participant, not both.");
            RuleFor(c => c.Kind).Must(k => k is null or "emergency" or "planned").WithMessage("'kind' is emergency or planned.");
            RuleFor(c => c.UserId).NotNull().When(c => c.ClusterId is null && c.ParticipantId is null)
                .WithMessage("The planned unblinding of the trial names the user it unblinds.");
        }
    }

    public sealed class Handler(TrialManagerDbContext db, CurrentUser user, TimeProvider clock) : ICommandHandler<Command, UnblindingView>
    {
        public async ValueTask<UnblindingView> Handle(Command command, CancellationToken ct)
        {
            var wholeTrial = command.ClusterId is null && command.ParticipantId is null;
            if (wholeTrial && await db.Trials.Where(t => t.Id == command.TrialId).Select(t => t.Status).SingleAsync(ct) != TrialStatus.Locked)
                throw ProblemException.Conflict("The planned unblinding of the whole trial comes after database lock; before it, unblind one cluster or participant.");
            if (command.ClusterId is { } clusterId && !await db.Clusters.AnyAsync(c => c.TrialId == command.TrialId && c.Id == clusterId, ct))
                throw ProblemException.Invalid("clusterId", "exists", "No such cluster in this trial.");
            if (command.ParticipantId is { } participantId && !await db.Participants.AnyAsync(p => p.TrialId == command.TrialId && p.Id == participantId, ct))
                throw ProblemException.Invalid("participantId", "exists", "No such participant in this trial.");
            if (command.UserId is { } userId && !await db.Users.AnyAsync(u => u.Id == userId, ct))
                throw ProblemException.Invalid("userId", "exists", "No such user.");
            var now = clock.GetUtcNow();
            var unblinding = new Unblinding
            {
                Id = Guid.CreateVersion7(now), TrialId = command.TrialId, ClusterId = command.ClusterId, ParticipantId = command.ParticipantId,
                UserId = command.UserId, Kind = command.Kind ?? (wholeTrial ? "planned" : "emergency"), Reason = command.Reason!,
                UnblindedAt = now, UnblindedBy = user.Id,
            };
            db.Unblindings.Add(unblinding);
            return new UnblindingView(unblinding.Id, unblinding.ClusterId, unblinding.ParticipantId, unblinding.UserId, unblinding.Kind,
                unblinding.Reason, now, unblinding.UnblindedBy);
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/unblindings", async (Guid trialId, Command command, IMediator mediator, CancellationToken ct) =>
            {
                var unblinding = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/unblindings/{unblinding.Id}", unblinding);
            })
            .WithSummary("Record an unblinding: {clusterId or participantId, userId?, reason} (trial manager)")
            .TrialWrite();
}
