using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TrialManager.Data.Participants;
using TrialManager.Data.Trials;

namespace TrialManager.Data.Randomisation;

internal sealed class RandomisationSchemeConfiguration : IEntityTypeConfiguration<RandomisationScheme>
{
    public void Configure(EntityTypeBuilder<RandomisationScheme> scheme)
    {
        scheme.ToTable("randomisation_schemes");
        scheme.Property(s => s.Method).HasMaxLength(Limits.Word);
        scheme.Property(s => s.Settings).HasColumnType("json");
        scheme.Property(s => s.Commitment).HasMaxLength(64);
        scheme.Ignore(s => s.IsSealed);
        scheme.HasOne<Trial>().WithMany().HasForeignKey(s => s.TrialId).OnDelete(DeleteBehavior.Restrict);
        scheme.HasIndex(s => s.TrialId).IsUnique().HasDatabaseName("ux_randomisation_schemes_trial_id");
    }
}

internal sealed class AllocationConfiguration : IEntityTypeConfiguration<Allocation>
{
    public void Configure(EntityTypeBuilder<Allocation> allocation)
    {
        allocation.ToTable("allocations");
        allocation.Property(a => a.Arm).HasMaxLength(Limits.Code);
        allocation.Property(a => a.Stratum).HasMaxLength(Limits.Title);
        allocation.Property(a => a.Evidence).HasColumnType("json");
        allocation.HasOne<Trial>().WithMany().HasForeignKey(a => a.TrialId).OnDelete(DeleteBehavior.Restrict);
        allocation.HasOne<Cluster>().WithMany().HasForeignKey(a => a.ClusterId).OnDelete(DeleteBehavior.Restrict);
        // The database itself refuses a second allocation of a cluster, a reused draw, or a reused sequence position.
        allocation.HasIndex(a => new { a.TrialId, a.ClusterId }).IsUnique().HasDatabaseName("ux_allocations_cluster_id");
        allocation.HasIndex(a => new { a.TrialId, a.Draw }).IsUnique().HasDatabaseName("ux_allocations_draw");
        allocation.HasIndex(a => new { a.TrialId, a.Stratum, a.Position }).IsUnique().HasDatabaseName("ux_allocations_position");
    }
}

internal sealed class UnblindingConfiguration : IEntityTypeConfiguration<Unblinding>
{
    public void Configure(EntityTypeBuilder<Unblinding> unblinding)
    {
        unblinding.ToTable("unblindings");
        unblinding.Property(u => u.Kind).HasMaxLength(Limits.Word);
        unblinding.Property(u => u.Reason).HasMaxLength(Limits.Reason);
        unblinding.HasOne<Trial>().WithMany().HasForeignKey(u => u.TrialId).OnDelete(DeleteBehavior.Restrict);
        unblinding.HasOne<Cluster>().WithMany().HasForeignKey(u => u.ClusterId).OnDelete(DeleteBehavior.Restrict);
        unblinding.HasOne<Participant>().WithMany().HasForeignKey(u => u.ParticipantId).OnDelete(DeleteBehavior.Restrict);
        unblinding.HasIndex(u => new { u.TrialId, u.UserId });
    }
}
