import SparseLMM
import GLMM

/// Small helpers for tests that need a GLMM fit.
enum GLMMFitting {
    static func fitBinomial(_ design: MixedModelDesign) throws -> MixedModelFit {
        try GeneralizedLinearMixedModel(design: design, family: .binomial).fit()
    }
}
