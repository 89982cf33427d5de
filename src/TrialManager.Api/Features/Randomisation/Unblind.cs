using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Data.Randomisation;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// The trial manager records a break of the blind: an emergency for one cluster or participant, or the planned
/// unblinding (no cluster or participant) once the trial is locked. The user it names, a member of the trial, sees
/// what it unblinds from then on (<see cref="BlindingRules"/>): a participant's unblinding keeps the cluster they
/// are in now, and reveals that cluster's arm for them only while they stay in it. Someone who reads blinded extracts
/// or the audit trail can only be unblinded for the whole trial: one real arm would decode the trial's masked codes.
/// The record is audited, and sealed for blinded readers.
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
            var clusterOfParticipant = command.ParticipantId is { } participantId
                ? await db.Participants.Where(p => p.TrialId == command.TrialId && p.Id == participantId).Select(p => (Guid?)p.ClusterId).SingleOrDefaultAsync(ct)
                    ?? throw ProblemException.Invalid("participantId", "exists", "No such participant in this trial.")
                : (Guid?)null;
            if (command.UserId is { } userId)
                await EnsureMayBeUnblindedAsync(command.TrialId, userId, wholeTrial, ct);
            var now = clock.GetUtcNow();
            var unblinding = new Unblinding
            {
                Id = Guid.CreateVersion7(now), TrialId = command.TrialId, ClusterId = command.ClusterId ?? clusterOfParticipant,
                ParticipantId = command.ParticipantId,
                UserId = command.UserId, Kind = command.Kind ?? (wholeTrial ? "planned" : "emergency"), Reason = command.Reason!,
                UnblindedAt = now, UnblindedBy = user.Id,
            };
            db.Unblindings.Add(unblinding);
            return new UnblindingView(unblinding.Id, unblinding.ClusterId, unblinding.ParticipantId, unblinding.UserId, unblinding.Kind,
                unblinding.Reason, now, unblinding.UnblindedBy);
        }

        private async Task EnsureMayBeUnblindedAsync(Guid trialId, Guid userId, bool wholeTrial, CancellationToken ct)
        {
            var named = await db.Users.Where(u => u.Id == userId)
                    .Select(u => new { u.IsSystemAdmin, Role = db.TrialMemberships.Where(m => m.TrialId == trialId && m.UserId == u.Id).Select(m => (TrialRole?)m.Role).SingleOrDefault() })
                    .SingleOrDefaultAsync(ct)
                ?? throw ProblemException.Invalid("userId", "exists", "No such user.");
            if (named.Role is null)
                throw ProblemException.Invalid("userId", "member", "An unblinding names a member of the trial: grant them their role first.");
            if (!wholeTrial && !BlindingRules.MayHoldPartialUnblinding(named.Role, named.IsSystemAdmin))
                throw ProblemException.Invalid("userId", "whole-trial-only",
                    "This user reads blinded extracts or the audit trail, whose masked codes and allocation order one real arm would decode: " +
                    "they can only be unblinded for the whole trial, after database lock. Unblind a researcher or the trial manager instead.");
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/unblindings", async (Guid trialId, Command command, IMediator mediator, CancellationToken ct) =>
            {
                var unblinding = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/unblindings/{unblinding.Id}", unblinding);
            })
            .WithName("Unblind")
            .WithSummary("Record an unblinding: {clusterId or participantId, userId?, reason} (trial manager)")
            .TrialWrite();
}
