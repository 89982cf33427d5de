using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TrialManager.Data.Audit;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> audit)
    {
        audit.ToTable("audit_events");
        audit.Property(e => e.Action).HasMaxLength(Limits.Word);
        audit.Property(e => e.EntityType).HasMaxLength(Limits.Code);
        audit.Property(e => e.Changes).HasColumnType("json");
        audit.Property(e => e.ActorRole).HasMaxLength(Limits.Word);
        audit.Property(e => e.RequestId).HasMaxLength(Limits.Code);
        audit.Property(e => e.Reason).HasMaxLength(Limits.Reason);
        audit.Property(e => e.ReasonCommitment).HasMaxLength(64);
        audit.Property(e => e.SealedValues).HasColumnType("json");
        audit.HasIndex(e => new { e.ChainId, e.Strand, e.Sequence }).IsUnique().HasDatabaseName("ux_audit_events_sequence");
        audit.HasIndex(e => new { e.ChainId, e.Id });
        audit.HasIndex(e => new { e.ChainId, e.EntityId });
    }
}

internal sealed class AuditStrandHeadConfiguration : IEntityTypeConfiguration<AuditStrandHead>
{
    public void Configure(EntityTypeBuilder<AuditStrandHead> head)
    {
        head.ToTable("audit_strand_heads");
        head.HasKey(h => new { h.ChainId, h.Strand });
    }
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> checkpoint)
    {
        checkpoint.ToTable("audit_checkpoints");
        checkpoint.Property(c => c.Heads).HasColumnType("json");
        checkpoint.HasIndex(c => new { c.ChainId, c.Id });
    }
}
