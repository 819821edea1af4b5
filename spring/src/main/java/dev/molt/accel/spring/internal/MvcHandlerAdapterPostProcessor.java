package dev.molt.accel.spring.internal;

import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/** Puts {@link MvcOffloadReturnValueHandler} first among the return value handlers of every {@link RequestMappingHandlerAdapter}. */
public final class MvcHandlerAdapterPostProcessor implements BeanPostProcessor, BeanFactoryAware {

    private BeanFactory beanFactory;
    private volatile OffloadRegistry registry;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    private OffloadRegistry registry() {
        OffloadRegistry r = registry;
        if (r == null) {
            r = beanFactory.getBean(OffloadRegistry.class);
            registry = r;
        }
        return r;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof RequestMappingHandlerAdapter adapter) {
            List<HandlerMethodReturnValueHandler> current = adapter.getReturnValueHandlers();
            if (current != null && current.stream().noneMatch(MvcOffloadReturnValueHandler.class::isInstance)) {
                HandlerMethodReturnValueHandlerComposite delegate = new HandlerMethodReturnValueHandlerComposite();
                delegate.addHandlers(current);
                List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>(current.size() + 1);
                handlers.add(new MvcOffloadReturnValueHandler(delegate, this::registry));
                handlers.addAll(current);
                adapter.setReturnValueHandlers(handlers);
            }
        }
        return bean;
    }
}
