package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltOffload;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Proxies beans with {@code @MoltOffload} methods (class-based proxies, so controllers keep their
 * handler methods) and, once all singletons exist, resolves the plan of every such method so that
 * configuration errors fail the start. The advice is added after any existing advisors, so security,
 * validation or transaction advice on the same bean runs before the offload.
 */
public final class OffloadProxyPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
        implements SmartInitializingSingleton {

    private static final long serialVersionUID = 1L;

    private final Set<Class<?>> advisedClasses = ConcurrentHashMap.newKeySet();
    private transient volatile BeanFactory factory;
    private transient volatile OffloadRegistry registry;

    public OffloadProxyPostProcessor() {
        setProxyTargetClass(true);
        this.advisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, MoltOffload.class, true),
                new OffloadInterceptor(this::registry));
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.factory = beanFactory;
    }

    private OffloadRegistry registry() {
        OffloadRegistry r = registry;
        if (r == null) {
            r = factory.getBean(OffloadRegistry.class);
            registry = r;
        }
        return r;
    }

    @Override
    protected boolean isEligible(Class<?> targetClass) {
        boolean eligible = super.isEligible(targetClass);
        if (eligible) {
            advisedClasses.add(targetClass);
        }
        return eligible;
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<Method> methods = new ArrayList<>();
        for (Class<?> c : advisedClasses) {
            ReflectionUtils.doWithMethods(c, m -> {
                if (AnnotatedElementUtils.hasAnnotation(m, MoltOffload.class)) {
                    methods.add(m);
                }
            }, ReflectionUtils.USER_DECLARED_METHODS);
        }
        registry().prepare(methods);
    }
}
