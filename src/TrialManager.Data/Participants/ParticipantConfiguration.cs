using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TrialManager.Data.Trials;

namespace TrialManager.Data.Participants;

internal sealed class ParticipantConfiguration : IEntityTypeConfiguration<Participant>
{
    public void Configure(EntityTypeBuilder<Participant> participant)
    {
        participant.ToTable("participants");
        participant.Property(p => p.ExternalId).HasMaxLength(Limits.Code);
        participant.Property(p => p.Kind).HasMaxLength(Limits.Word);
        participant.Property(p => p.Status).HasMaxLength(Limits.Word);
        participant.Property(p => p.StatusReason).HasMaxLength(Limits.Reason);
        participant.HasOne<Trial>().WithMany().HasForeignKey(p => p.TrialId).OnDelete(DeleteBehavior.Restrict);
        participant.HasOne(p => p.Cluster).WithMany().HasForeignKey(p => p.ClusterId).OnDelete(DeleteBehavior.Restrict);
        participant.HasMany(p => p.StatusHistory).WithOne().HasForeignKey(c => c.ParticipantId).OnDelete(DeleteBehavior.Restrict);
        participant.HasIndex(p => new { p.TrialId, p.ExternalId }).IsUnique().HasDatabaseName("ux_participants_external_id");
        participant.HasIndex(p => new { p.ClusterId, p.Id });
    }
}

internal sealed class ParticipantStatusChangeConfiguration : IEntityTypeConfiguration<ParticipantStatusChange>
{
    public void Configure(EntityTypeBuilder<ParticipantStatusChange> change)
    {
        change.ToTable("participant_status_changes");
        change.Property(c => c.FromStatus).HasMaxLength(Limits.Word);
        change.Property(c => c.ToStatus).HasMaxLength(Limits.Word);
        change.Property(c => c.Reason).HasMaxLength(Limits.Reason);
        change.HasIndex(c => c.ParticipantId);
    }
}
